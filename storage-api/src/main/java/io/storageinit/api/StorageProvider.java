package io.storageinit.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A storage backend, discovered with {@link java.util.ServiceLoader}: list the implementation in
 * {@code META-INF/services/io.storageinit.api.StorageProvider} and annotate it with {@link
 * Descriptor}.
 *
 * <p>A provider is a cheap, stateless, thread-safe factory. Its public no-argument constructor does
 * no I/O; all expensive work happens in {@link #open}. The runtime reads the {@link Descriptor}
 * without instantiating the class, so only the provider a URI needs is ever created.
 *
 * @since 0.1
 */
public interface StorageProvider {

  /**
   * Declares a provider's name and the URI schemes it serves. Read by the runtime before the class
   * is instantiated.
   */
  @Documented
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.TYPE)
  @interface Descriptor {
    /** A short, unique, lower-case name, used for pinning and in messages (e.g. {@code s3}). */
    String name();

    /**
     * The URI schemes served, lower case, without {@code ://}. The scheme {@code file} also claims
     * plain local paths (URIs without a scheme).
     */
    String[] schemes();

    /**
     * True when the provider serves only some URIs of its schemes, those its {@link
     * StorageProvider#supports} accepts (Azure's {@code https://<account>.blob.core.windows.net/…}
     * among all {@code https://} URIs). The runtime offers a URI to such providers first and gives
     * it to the one that accepts it; the providers that serve the whole scheme get the rest.
     *
     * @since 0.5
     */
    boolean narrow() default false;
  }

  /** Returns the name from the {@link Descriptor}. */
  default String name() {
    return descriptor().name();
  }

  /** Returns the schemes from the {@link Descriptor}. */
  default Set<String> schemes() {
    return Set.of(descriptor().schemes());
  }

  /**
   * Returns the URI formats for a KServe {@code ClusterStorageContainer}; by default one {@code
   * scheme://} prefix per scheme.
   */
  default List<UriFormat> uriFormats() {
    return Arrays.stream(descriptor().schemes()).map(s -> UriFormat.prefix(s + "://")).toList();
  }

  /**
   * Returns whether this provider serves {@code uri}. The default accepts URIs whose scheme is one
   * of {@link #schemes()}; override to refine (never to claim other schemes), and declare {@link
   * Descriptor#narrow()} when the refined provider should come before those serving the whole
   * scheme.
   */
  default boolean supports(String uri) {
    int sep = uri.indexOf("://");
    return sep > 0 && schemes().contains(uri.substring(0, sep).toLowerCase(Locale.ROOT));
  }

  /**
   * Returns the names of environment variables and {@code STORAGE_CONFIG} keys whose values are
   * secret. The runtime masks those values in every log line and error.
   */
  default Set<String> secretKeys() {
    return Set.of();
  }

  /**
   * Opens a client: reads configuration, builds SDK clients, logs in. Called once per run per
   * provider, on the thread that will first use the client.
   *
   * @param context the configuration and services of this run; not null
   * @return an open client; never null
   * @throws StorageException {@code INVALID_CONFIG} naming every problem found, {@code
   *     UNAUTHENTICATED} when a login fails
   */
  StorageClient open(ProviderContext context);

  private Descriptor descriptor() {
    Descriptor d = getClass().getAnnotation(Descriptor.class);
    if (d == null) {
      throw new IllegalStateException(
          getClass().getName() + " lacks @StorageProvider.Descriptor(name=..., schemes=...)");
    }
    return d;
  }
}
