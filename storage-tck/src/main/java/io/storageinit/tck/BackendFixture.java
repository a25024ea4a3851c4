package io.storageinit.tck;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

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

  /**
   * A fixture for backends that serve a local folder (a mounted volume, a file server over a
   * folder): objects are files below {@code root}, URIs come from {@code uriOf}, and closing runs
   * {@code onClose} and deletes the folder.
   *
   * @param root the folder the backend serves; created as needed
   * @param uriOf the URI of a path below the root
   * @param environment what a client needs to reach the backend
   * @param onClose what to stop with the fixture (a server), or null
   */
  static BackendFixture ofFolder(
      Path root,
      Function<String, String> uriOf,
      Map<String, String> environment,
      AutoCloseable onClose) {
    return new BackendFixture() {
      @Override
      public void put(String path, byte[] data) throws IOException {
        Path file = root.resolve(path);
        Files.createDirectories(file.getParent());
        Files.write(file, data);
      }

      @Override
      public String uri(String path) {
        return uriOf.apply(path);
      }

      @Override
      public Map<String, String> environment() {
        return environment;
      }

      @Override
      public void close() throws Exception {
        if (onClose != null) {
          onClose.close();
        }
        if (Files.exists(root)) {
          try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
              Files.deleteIfExists(p);
            }
          }
        }
      }
    };
  }

  /**
   * A fixture for stores whose URIs name whole repositories, not objects (model hubs; see {@link
   * StorageProviderContract#addressesObjects()}): {@link #put} keeps the files, and {@link #uri}
   * publishes a repository holding what lies below the path, named from the fixture and the path,
   * and returns its URI.
   *
   * @param publish makes (or replaces) the repository {@code name} with {@code files} (paths
   *     relative to it) and returns its URI; given no files, returns the URI the repository would
   *     have, without making it
   * @param environment what a client needs to reach the store
   * @since 0.4
   */
  static BackendFixture ofRepositories(
      java.util.function.BiFunction<String, Map<String, byte[]>, String> publish,
      Map<String, String> environment) {
    String prefix = "f" + java.util.UUID.randomUUID().toString().substring(0, 8);
    Map<String, byte[]> files = new java.util.LinkedHashMap<>();
    return new BackendFixture() {
      @Override
      public void put(String path, byte[] data) {
        files.put(path, data);
      }

      @Override
      public String uri(String path) {
        String folder = path.isEmpty() ? "" : path + "/";
        Map<String, byte[]> below = new java.util.LinkedHashMap<>();
        files.forEach(
            (p, data) -> {
              if (p.startsWith(folder)) {
                below.put(p.substring(folder.length()), data);
              }
            });
        return publish.apply(prefix + (path.isEmpty() ? "" : "_" + path.replace('/', '_')), below);
      }

      @Override
      public Map<String, String> environment() {
        return environment;
      }
    };
  }
}
