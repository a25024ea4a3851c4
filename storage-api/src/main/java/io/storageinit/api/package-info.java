/**
 * The storage-initializer SPI.
 *
 * <p>A plugin implements {@link io.storageinit.api.StorageProvider} (one per storage backend) or
 * {@link io.storageinit.api.ModelValidator} (a check of a downloaded model) and registers it in
 * {@code META-INF/services}. The runtime discovers plugins with {@link java.util.ServiceLoader}.
 *
 * <p>Providers are thin: they list what a URI denotes and open byte ranges of single objects.
 * Parallelism, retries, resume, atomic writes, archive extraction, validation, caching, progress
 * and metrics are the runtime's job, so every provider gets them and behaves the same.
 *
 * <p>Only {@code java.*} types and this package's own types appear in signatures. Value types that
 * plugins construct are final classes with builders, so adding a field never breaks a plugin; every
 * method added to an interface after 1.0 is a {@code default} method.
 *
 * @since 0.1
 */
package io.storageinit.api;
