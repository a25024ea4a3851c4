package io.storageinit.runtime;

import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Tells a full file system from other write failures, and says so with the figures. */
final class DiskSpace {
  private DiskSpace() {}

  /** Whether {@code e} is the kernel's "no space" (ENOSPC) or "quota exceeded" (EDQUOT). */
  static boolean isFull(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = String.valueOf(t.getMessage());
      if (m.contains("No space left on device") || m.contains("Disk quota exceeded")) {
        return true;
      }
    }
    return false;
  }

  /**
   * A {@link Kind#NO_SPACE} failure for writing {@code what} under {@code where} when {@code e} is
   * the file system running full; empty for any other failure.
   */
  static Optional<StorageException> failure(Path where, String what, IOException e) {
    if (!isFull(e)) {
      return Optional.empty();
    }
    return Optional.of(
        new StorageException(
            Kind.NO_SPACE,
            "No space left for "
                + what
                + " on the file system of "
                + where
                + " ("
                + describe(where)
                + "). Give the volume more room (the emptyDir's sizeLimit, the PVC's size, the"
                + " node's ephemeral storage) or fetch less (STORAGE_ALLOW_PATTERNS); what was"
                + " fetched stays hidden in DEST and a new run resumes it",
            e));
  }

  /** {@code N free of M} for the file system of {@code p} (or its nearest existing parent). */
  static String describe(Path p) {
    Path at = p.toAbsolutePath();
    while (at != null && !Files.exists(at)) {
      at = at.getParent();
    }
    if (at == null) {
      return "its size unknown";
    }
    try {
      FileStore store = Files.getFileStore(at);
      return Progress.bytes(store.getUsableSpace())
          + " free of "
          + Progress.bytes(store.getTotalSpace());
    } catch (IOException e) {
      return "its size unknown";
    }
  }
}
