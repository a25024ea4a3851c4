package io.storageinit.runtime;

import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hidden folder a fetch writes its unfinished files in: {@code <root>/.storage-initializer-
 * download/}. A file is written there under a name made from the hash of its path ({@code
 * <hash>.partial}, with {@code <hash>.parts} recording a ranged file's finished parts) and renamed
 * into place when complete.
 *
 * <p>No object of a listing can have one of these names: the planner refuses paths whose first
 * segment starts with {@link #RESERVED_PREFIX}. So an object named like a temporary file cannot be
 * written over another one's work, and a name of any legal length gets a temporary name of fixed
 * length. The folder is removed when a fetch succeeds, with whatever an earlier, killed run left in
 * it; after a failure it stays, so that the next run resumes.
 */
final class WorkFolder {
  private static final Logger LOG = LoggerFactory.getLogger(WorkFolder.class);

  /** Names at the top of DEST that are the initializer's own; a listing may not use them. */
  static final String RESERVED_PREFIX = ".storage-initializer-";

  static final String NAME = RESERVED_PREFIX + "download";

  private static final String PARTIAL = ".partial";
  private static final String PARTS = ".parts";

  private final Path root;
  private final Path folder;

  /** What the folder held when first used (an earlier run's leftovers); null until then. */
  private Set<String> found;

  WorkFolder(Path root) {
    this.root = root;
    this.folder = root.resolve(NAME);
  }

  /** The file {@code target} is written to before its final rename. */
  Path partialOf(Path target) {
    return folder.resolve(hash(target) + PARTIAL);
  }

  /** The record of the finished parts of {@code target}, when it is fetched in ranges. */
  Path partsOf(Path target) {
    return folder.resolve(hash(target) + PARTS);
  }

  /** Whether an earlier run left work for {@code target} (resumable, or to be cleared). */
  boolean hasLeftovers(Path target) {
    String h = hash(target);
    return found == null || found.contains(h + PARTIAL) || found.contains(h + PARTS);
  }

  /**
   * Makes the folder, once, as a real folder of ours: a link or file planted at its name is removed
   * (a link without following it), never written through. Reads what an earlier run left there. Not
   * thread-safe: called while planning, from one thread.
   */
  void prepare() throws IOException {
    if (found != null) {
      return;
    }
    BasicFileAttributes a = attributes(folder);
    if (a != null && !a.isDirectory()) {
      LOG.warn("removing {}: it stands at a name of ours and is not a folder we made", folder);
      Files.delete(folder);
      a = null;
    }
    Set<String> names = new HashSet<>();
    if (a == null) {
      Files.createDirectories(folder);
    } else {
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
        entries.forEach(e -> names.add(e.getFileName().toString()));
      }
    }
    found = names;
  }

  /**
   * After a fetch that succeeded: removes the folder with anything still in it (leftovers of
   * objects an earlier run was fetching that this listing no longer has).
   */
  void removeAfterSuccess() {
    if (found == null || attributes(folder) == null) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
      for (Path p : entries) {
        LOG.info("removing {}, left by an earlier run of an object no longer listed", p);
      }
    } catch (IOException e) {
      LOG.debug("listing {}: {}", folder, e.toString());
    }
    Archives.deleteTree(folder);
  }

  /** After a failure: an empty folder goes (nothing to resume), a folder with work stays. */
  void removeIfEmpty() {
    if (found == null) {
      return;
    }
    try {
      Files.deleteIfExists(folder);
    } catch (IOException e) {
      // Not empty: resumable work, kept for the next run.
    }
  }

  private static BasicFileAttributes attributes(Path p) {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new StorageException(Kind.INTERNAL, "Cannot read " + p + ": " + e, e);
    }
  }

  /** 40 hex digits of the SHA-256 of the target's path under the root. */
  private String hash(Path target) {
    String rel = root.relativize(target).toString();
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(rel.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h, 0, 20);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether {@code path}, a listing's path under DEST, names something of ours. */
  static boolean reserved(String path) {
    return path.startsWith(RESERVED_PREFIX);
  }
}
