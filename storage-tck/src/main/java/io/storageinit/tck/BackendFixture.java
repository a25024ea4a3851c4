package io.storageinit.tck;

import java.util.Map;

/**
 * Seeds a real backend for the {@link StorageProviderContract}. One fixture serves one test: {@link
 * #put} writes under a root of its own, so tests never see each other's objects.
 *
 * @since 0.1
 */
public interface BackendFixture extends AutoCloseable {

  /**
   * Stores an object at {@code path} below this fixture's root, creating parents as the backend
   * needs.
   *
   * @param path {@code /}-separated, relative; not null
   * @param data the content; not null, may be empty
   */
  void put(String path, byte[] data) throws Exception;

  /**
   * Returns the URI that denotes {@code path} below this fixture's root: an object, a prefix or a
   * directory. The empty path denotes the root itself.
   */
  String uri(String path);

  /** Returns the environment a client needs to reach the backend (endpoint, credentials). */
  default Map<String, String> environment() {
    return Map.of();
  }

  /** Removes what the fixture created. */
  @Override
  default void close() throws Exception {}
}
