package io.storageinit.runtime;

import io.storageinit.api.RemoteObject;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node-level model cache shared by the initializers of many pods ({@code STORAGE_CACHE_DIR}, a
 * hostPath or shared volume).
 *
 * <p>An entry is keyed by the store ({@link io.storageinit.api.StorageClient#storeIdentity()}: its
 * endpoint and the trust in it), the source URI, and the listing's paths, sizes, versions and
 * checksums, so a changed remote object makes a new key and is never served stale, and a pod that
 * points the same URI at a server of its own fills entries no other pod's key names. The writer
 * verified every file against the listing's checksums, which are part of the key. Writers hold an
 * exclusive file lock on the key while they fetch into {@code tmp/<key>/} and rename it to {@code
 * entries/<key>/} only when complete: concurrent initializers of one model download it once (the
 * others wait on the lock, then link), and a crashed writer leaves nothing others would serve (its
 * partial work is resumed by the next writer). Hits are materialised in DEST by hard link, or by
 * copy across file systems. The cache is bounded by {@code STORAGE_CACHE_MAX_BYTES}, evicting least
 * recently used entries that no one is using.
 */
final class ModelCache {
  private static final Logger LOG = LoggerFactory.getLogger(ModelCache.class);

  private final Path root;
  private final long maxBytes;

  ModelCache(Path root, long maxBytes) {
    this.root = root;
    this.maxBytes = maxBytes;
    try {
      Files.createDirectories(root.resolve("entries"));
      Files.createDirectories(root.resolve("tmp"));
      Files.createDirectories(root.resolve("locks"));
    } catch (IOException e) {
      throw new StorageException(
          Kind.INVALID_CONFIG, "STORAGE_CACHE_DIR=" + root + " cannot be used: " + e, e);
    }
  }

  /**
   * The key of a listing: the store's identity, the source URI, and every object's path, size,
   * version and checksum.
   */
  static String key(String store, String uri, List<RemoteObject> objects) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update((store + "\n" + uri).getBytes(StandardCharsets.UTF_8));
      objects.stream()
          .sorted(Comparator.comparing(RemoteObject::path))
          .forEach(
              o ->
                  d.update(
                      ("\n"
                              + o.path()
                              + "\t"
                              + o.size()
                              + "\t"
                              + o.version().orElse("-")
                              + "\t"
                              + o.checksum().map(c -> c.algorithm() + ":" + c.hex()).orElse("-"))
                          .getBytes(StandardCharsets.UTF_8)));
      return HexFormat.of().formatHex(d.digest()).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An exclusive hold on one key, across processes; released on close or when the process dies. */
  final class Hold implements AutoCloseable {
    final String key;
    private final FileChannel channel;
    private final FileLock lock;

    private Hold(String key, FileChannel channel, FileLock lock) {
      this.key = key;
      this.channel = channel;
      this.lock = lock;
    }

    /** The complete entry, if there is one. */
    boolean complete() {
      return Files.isDirectory(entry(key));
    }

    /** Where a writer fetches to; kept across crashes so the next writer resumes. */
    Path staging() throws IOException {
      return Files.createDirectories(root.resolve("tmp").resolve(key));
    }

    /** Publishes the staging folder as the complete entry. */
    void commit() throws IOException {
      Path staged = staging();
      try (Stream<Path> walk = Files.walk(staged)) {
        for (Path p : walk.filter(Files::isRegularFile).toList()) {
          // Hard links share the inode with every pod's DEST: read-only keeps one pod from changing
          // the others' files.
          p.toFile().setWritable(false, false);
        }
      }
      TransferEngine.moveIntoPlace(staged, entry(key));
    }

    @Override
    public void close() {
      try {
        lock.release();
        channel.close();
      } catch (IOException e) {
        LOG.debug("releasing the cache lock of {}: {}", key, e.toString());
      }
    }
  }

  Path entry(String key) {
    return root.resolve("entries").resolve(key);
  }

  /** Waits for, then takes, the exclusive hold on a key. */
  Hold hold(String key) {
    Path lockFile = root.resolve("locks").resolve(key + ".lock");
    try {
      FileChannel ch =
          FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = ch.tryLock();
      if (lock == null) {
        LOG.info("another initializer is fetching this model into the cache; waiting for it");
        lock = ch.lock();
      }
      return new Hold(key, ch, lock);
    } catch (IOException e) {
      throw new StorageException(Kind.INTERNAL, "Cannot lock the cache entry " + key + ": " + e, e);
    }
  }

  /** Links (or copies) the entry's files into DEST and marks the entry used now. */
  void materialize(String key, List<TransferEngine.Planned> planned) {
    Path entry = entry(key);
    try {
      for (TransferEngine.Planned p : planned) {
        Path source = entry.resolve(p.object().path());
        Path target = p.target();
        Files.createDirectories(target.getParent());
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
          Files.delete(target);
        }
        try {
          Files.createLink(target, source);
        } catch (IOException | UnsupportedOperationException e) {
          // Another file system: a copy, through a partial file like every other write.
          // A fresh hidden name (created new, never an existing file or link).
          Path partial = Files.createTempFile(target.getParent(), WorkFolder.RESERVED_PREFIX, "");
          Files.copy(source, partial, StandardCopyOption.REPLACE_EXISTING);
          partial.toFile().setWritable(true, true);
          TransferEngine.moveIntoPlace(partial, target);
        }
      }
      Files.setLastModifiedTime(entry, FileTime.from(Instant.now()));
    } catch (IOException e) {
      throw new StorageException(
          Kind.INTERNAL, "Cannot place the cached files of " + entry + " in DEST: " + e, e);
    }
  }

  /** Evicts least recently used entries, not held by anyone, until the cache fits its bound. */
  void evict() {
    record Entry(Path dir, long bytes, FileTime used) {}
    List<Entry> entries = new ArrayList<>();
    long total = 0;
    try (Stream<Path> dirs = Files.list(root.resolve("entries"))) {
      for (Path dir : dirs.toList()) {
        long bytes = sizeOf(dir);
        entries.add(new Entry(dir, bytes, Files.getLastModifiedTime(dir)));
        total += bytes;
      }
    } catch (IOException e) {
      LOG.warn("cannot read the cache for eviction: {}", e.toString());
      return;
    }
    entries.sort(Comparator.comparing(Entry::used));
    for (Entry e : entries) {
      if (total <= maxBytes) {
        break;
      }
      String key = e.dir().getFileName().toString();
      Path lockFile = root.resolve("locks").resolve(key + ".lock");
      try (FileChannel ch =
              FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = ch.tryLock()) {
        if (lock == null) {
          continue; // in use by another initializer
        }
        Path doomed = root.resolve("tmp").resolve(key + ".evicting");
        TransferEngine.moveIntoPlace(e.dir(), doomed);
        Archives.deleteTree(doomed);
        total -= e.bytes();
        LOG.info("cache: evicted {} ({})", key, Progress.bytes(e.bytes()));
      } catch (IOException ex) {
        LOG.warn("cache: cannot evict {}: {}", key, ex.toString());
      }
    }
  }

  private static long sizeOf(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      long sum = 0;
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        sum += Files.size(p);
      }
      return sum;
    }
  }
}
