package io.storageinit.runtime;

import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import io.storageinit.runtime.TransferEngine.Planned;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether a model fits the file system it is fetched into, told before its bytes are: each batch of
 * planned files (a listing's page) adds what it still needs, files already in place cost nothing,
 * and what an earlier run left in the work folder counts as fetched. The first batch that would
 * pass the free space (less {@code STORAGE_DISK_MARGIN}) fails the run with both numbers, so a
 * model that cannot fit fails at once rather than half-way, with the volume full.
 */
final class SpaceCheck {
  /** File systems hand out whole blocks: a file costs its size rounded up to one. */
  static final long BLOCK = 4096;

  private final Path root;
  private final Settings.DiskCheck settings;
  private final WorkFolder work;
  private final boolean workExists;
  private final long free;
  private final long total;
  private long needed;
  private long inPlace;
  private int files;

  private SpaceCheck(Path root, Settings.DiskCheck settings, long free, long total) {
    this.root = root;
    this.settings = settings;
    this.work = new WorkFolder(root);
    this.workExists = Files.isDirectory(root.resolve(WorkFolder.NAME), LinkOption.NOFOLLOW_LINKS);
    this.free = free;
    this.total = total;
  }

  /** A check of the file system {@code root} is on, as it is now. */
  static SpaceCheck of(Path root, Settings.DiskCheck settings) {
    if (!settings.on()) {
      return new SpaceCheck(root, settings, Long.MAX_VALUE, Long.MAX_VALUE);
    }
    Path at = root.toAbsolutePath();
    while (at.getParent() != null && !Files.exists(at)) {
      at = at.getParent(); // a DEST not made yet lands on its nearest parent's file system
    }
    try {
      FileStore store = Files.getFileStore(at);
      return new SpaceCheck(root, settings, store.getUsableSpace(), store.getTotalSpace());
    } catch (IOException e) {
      // A file system that cannot say how big it is is not checked; its writes still are.
      return new SpaceCheck(root, Settings.DiskCheck.OFF, Long.MAX_VALUE, Long.MAX_VALUE);
    }
  }

  /** Adds a batch; throws {@link Kind#NO_SPACE} when the files so far cannot fit. */
  void add(List<Planned> batch) {
    for (Planned p : batch) {
      addQuietly(p);
    }
    if (settings.on() && !fits()) {
      throw new StorageException(Kind.NO_SPACE, "The model does not fit: " + summary());
    }
  }

  /** Counts one file, in place or to fetch, without judging the total. */
  void addQuietly(Planned p) {
    long size = Math.max(0, p.object().size());
    if (Files.isRegularFile(p.target(), LinkOption.NOFOLLOW_LINKS) && TransferEngine.upToDate(p)) {
      inPlace += size;
      return;
    }
    files++;
    needed += blocks(size) - alreadyFetched(p.target());
  }

  /** The bytes an earlier run already wrote for {@code target} in the work folder. */
  private long alreadyFetched(Path target) {
    if (!workExists) {
      return 0;
    }
    try {
      return blocks(Files.size(work.partialOf(target)));
    } catch (IOException e) {
      return 0;
    }
  }

  static long blocks(long bytes) {
    return (bytes + BLOCK - 1) / BLOCK * BLOCK;
  }

  /** Whether the files so far fit (with the margin). */
  boolean fits() {
    return needed + settings.margin() <= free;
  }

  long total() {
    return total;
  }

  long needed() {
    return needed;
  }

  long inPlace() {
    return inPlace;
  }

  long free() {
    return free;
  }

  /** What is needed and what there is, and what to change. */
  String summary() {
    return files
        + " file(s) still to fetch need "
        + Progress.bytes(needed)
        + (settings.margin() > 0
            ? " (and STORAGE_DISK_MARGIN=" + Progress.bytes(settings.margin()) + ")"
            : "")
        + " in "
        + root
        + ", whose file system has "
        + Progress.bytes(free)
        + " free of "
        + Progress.bytes(total)
        + (inPlace > 0 ? " (" + Progress.bytes(inPlace) + " already in place)" : "")
        + ". Give the volume more room (the emptyDir's sizeLimit, the PVC's size, the node's"
        + " ephemeral storage), fetch less (STORAGE_ALLOW_PATTERNS), or set STORAGE_DISK_CHECK=false"
        + " if the file system misreports its free space";
  }
}
