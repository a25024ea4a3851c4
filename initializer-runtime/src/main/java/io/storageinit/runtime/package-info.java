/**
 * The storage-initializer command. Only {@link io.storageinit.runtime.Main} and {@link
 * io.storageinit.runtime.StorageInitializer} are meant to be called from outside; everything else
 * is internal and may change in any release.
 */
package io.storageinit.runtime;
