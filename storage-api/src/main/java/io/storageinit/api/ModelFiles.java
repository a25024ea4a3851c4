package io.storageinit.api;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;

/**
 * The files of a model as validators see them: the regular files under a folder, relative to it,
 * {@code /}-separated and sorted; links (as KServe's local mode makes) followed, hidden files and
 * folders (names starting with a dot) left out. The runtime lists a model once and hands the list
 * to every {@link ModelValidator}.
 *
 * @since 0.3
 */
public final class ModelFiles {
  private ModelFiles() {}

  /**
   * Lists the model in {@code dir}.
   *
   * @throws StorageException {@code INTERNAL} when the folder cannot be read
   */
  public static List<String> list(Path dir) {
    List<String> files = new ArrayList<>();
    try {
      // The walk hands each file's attributes over, so every file costs one stat.
      Files.walkFileTree(
          dir,
          EnumSet.of(FileVisitOption.FOLLOW_LINKS),
          Integer.MAX_VALUE,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
              return !d.equals(dir) && hidden(d)
                  ? FileVisitResult.SKIP_SUBTREE
                  : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              if (attrs.isRegularFile() && !hidden(file)) {
                files.add(dir.relativize(file).toString().replace('\\', '/'));
              }
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new StorageException(
          StorageException.Kind.INTERNAL, "Cannot list the model in " + dir + ": " + e, e);
    }
    Collections.sort(files);
    return files;
  }

  private static boolean hidden(Path p) {
    Path name = p.getFileName();
    return name != null && name.toString().startsWith(".");
  }
}
