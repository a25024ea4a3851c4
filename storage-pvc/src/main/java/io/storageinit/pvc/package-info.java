/** The local-storage provider: {@code pvc://}, {@code /mnt/pvc/...}, {@code file://} and paths. */
package io.storageinit.pvc;
