package io.storageinit.pvc;

import io.storageinit.tck.BackendFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/** Seeds a fresh temporary folder; URIs are formed by a function of the folder and the path. */
final class LocalFolderFixture implements BackendFixture {
  private final Path root;
  private final Function<String, String> uriOf;
  private final Map<String, String> environment;

  LocalFolderFixture(Path root, Function<String, String> uriOf, Map<String, String> environment) {
    this.root = root;
    this.uriOf = uriOf;
    this.environment = environment;
  }

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
  public void close() throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
