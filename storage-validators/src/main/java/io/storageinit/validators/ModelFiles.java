package io.storageinit.validators;

import io.storageinit.api.StorageException;
import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The regular files of a model, relative and sorted; links (as KServe's local mode makes) followed.
 */
final class ModelFiles {
  private ModelFiles() {}

  static List<String> list(Path dir) {
    try (Stream<Path> walk = Files.walk(dir, FileVisitOption.FOLLOW_LINKS)) {
      return walk.filter(Files::isRegularFile)
          .map(p -> dir.relativize(p).toString().replace('\\', '/'))
          .filter(p -> !p.startsWith(".") && !p.contains("/."))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new StorageException(
          StorageException.Kind.INTERNAL, "Cannot list the model in " + dir + ": " + e, e);
    }
  }
}
