package io.storageinit.api;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
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
      Object root = Files.readAttributes(dir, BasicFileAttributes.class).fileKey();
      collect(dir, "", files, new ArrayList<>(Collections.singletonList(root)));
    } catch (IOException e) {
      throw new StorageException(
          StorageException.Kind.INTERNAL, "Cannot list the model in " + dir + ": " + e, e);
    }
    Collections.sort(files);
    return files;
  }

  /**
   * Adds the files under {@code dir} to {@code out}, each as {@code prefix} and its path below
   * {@code dir}. One directory read and one stat per entry, and names joined as strings: for a
   * model of thousands of files this runs between the last byte and the model server, where a
   * general tree walk with a path per step took twice as long. {@code open} holds the folders being
   * read (by file key), so that a link back to one of them is an error rather than a loop.
   */
  private static void collect(Path dir, String prefix, List<String> out, List<Object> open)
      throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (name.startsWith(".")) {
          continue;
        }
        BasicFileAttributes attrs;
        try {
          attrs = Files.readAttributes(entry, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
          continue; // a link to nothing
        }
        if (attrs.isRegularFile()) {
          out.add(prefix + name);
        } else if (attrs.isDirectory()) {
          Object key = attrs.fileKey();
          if (key != null && open.contains(key)) {
            throw new FileSystemLoopException(entry.toString());
          }
          open.add(key);
          collect(entry, prefix + name + "/", out, open);
          open.remove(open.size() - 1);
        }
      }
    }
  }
}
