/**
 * The technology compatibility kit: abstract JUnit 5 suites that every {@link
 * io.storageinit.api.StorageProvider} and {@link io.storageinit.api.ModelValidator} extends with a
 * few hooks. Our providers and third-party ones run the same suites against their real backends.
 *
 * @since 0.1
 */
package io.storageinit.tck;
