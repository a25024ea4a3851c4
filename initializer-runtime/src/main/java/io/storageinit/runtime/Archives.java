package io.storageinit.runtime;

import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import io.storageinit.kit.ArchiveNames;
import io.storageinit.runtime.Settings.ArchiveLimits;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.CompressorException;
import org.apache.commons.compress.compressors.CompressorStreamFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unpacks a model archive into the destination, safely.
 *
 * <p>KServe's rule decides when: exactly one file was fetched and its name ends in {@code .tar},
 * {@code .tar.gz}, {@code .tgz}, {@code .zip} or another suffix of {@link #formatOf}. Entries are
 * unpacked into a hidden staging folder inside the destination and checked one by one: a name that
 * is absolute or climbs out with {@code ..}, a symbolic or hard link that leads out, a device file
 * or FIFO, or more entries or bytes than the limits allow refuses the archive whole. Only a fully
 * unpacked, fully checked archive is moved into place; on any failure the staging folder and the
 * archive are removed and the destination is as it was before the archive arrived.
 */
final class Archives {
  private static final Logger LOG = LoggerFactory.getLogger(Archives.class);

  /** The smallest size bound from the ratio limit, so small archives of text still unpack. */
  static final long MIN_RATIO_BUDGET = 64L << 20;

  enum Format {
    ZIP,
    TAR
  }

  /**
   * The most memory a decompressor may ask for (LZMA and XZ dictionaries, LZW tables): 128 MiB,
   * twice what xz's strongest preset needs, well inside a 1 Gi container. An archive whose header
   * asks for more (a hostile or corrupt one: found by ArchiveEntriesFuzz, a tar whose first bytes
   * read as an LZMA header asking for a 1.9 GB dictionary) is refused, where it made the JVM run
   * out of memory.
   */
  static final int DECOMPRESSOR_MEMORY_KIB = 128 * 1024;

  /** The hidden folder in DEST an archive is unpacked into before its entries move into place. */
  static final String STAGING_PREFIX = ".storage-initializer-unpack-";

  private Archives() {}

  /**
   * Removes the staging folders an earlier run left in {@code dest} when it was killed while
   * unpacking. A link of that name is removed itself, never followed.
   */
  static void removeLeftovers(Path dest) {
    try (java.nio.file.DirectoryStream<Path> entries =
        Files.newDirectoryStream(dest, STAGING_PREFIX + "*")) {
      for (Path p : entries) {
        LOG.info("removing {}, left by an earlier run that was stopped while unpacking", p);
        deleteTree(p);
      }
    } catch (java.nio.file.NoSuchFileException e) {
      // Nothing there yet.
    } catch (IOException e) {
      LOG.warn("could not look for leftovers in {}: {}", dest, e.toString());
    }
  }

  /**
   * The archive format a file name announces, as KServe's mimetypes lookup decides: {@code .zip},
   * or a tar ({@code .tar}, {@code .tar.gz}, {@code .tgz}, {@code .taz}, {@code .tz}, {@code
   * .tar.bz2}, {@code .tbz2}, {@code .tar.xz}, {@code .txz}). The compression itself is told by the
   * content, as Python's tarfile does.
   */
  static Optional<Format> formatOf(String fileName) {
    ArchiveNames.Type t = ArchiveNames.type(fileName);
    return t == null
        ? Optional.empty()
        : Optional.of(t == ArchiveNames.Type.ZIP ? Format.ZIP : Format.TAR);
  }

  /**
   * Unpacks {@code archive} into {@code dest} and deletes the archive (a file or a symlink to one).
   *
   * @throws StorageException {@code INTEGRITY} when the archive is invalid, truncated or hostile;
   *     the destination is then left as it was and the archive removed
   */
  static void extract(
      Path archive, Format format, Path dest, ArchiveLimits limits, Settings.DiskCheck disk) {
    LOG.info("unpacking {}", archive.getFileName());
    checkRoom(archive, format, dest, disk);
    Path staging = null;
    Unpacker unpacker = null;
    try {
      staging = Files.createTempDirectory(dest, STAGING_PREFIX);
      long archiveSize = Files.size(archive);
      long budget =
          Math.min(
              limits.maxBytes(),
              Math.max(MIN_RATIO_BUDGET, saturatingMultiply(archiveSize, limits.maxRatio())));
      unpacker = new Unpacker(archive, staging.toRealPath(), limits, budget);
      if (format == Format.ZIP) {
        unpacker.zip();
      } else {
        unpacker.tar();
      }
      if (unpacker.entries == 0) {
        throw unpacker.refuse(
            "it holds no entries; is it really a "
                + format.name().toLowerCase(Locale.ROOT)
                + " archive?");
      }
      unpacker.checkLinks(dest);
      mergeInto(staging, dest);
      deleteTree(staging);
      Files.delete(archive);
      LOG.info(
          "unpacked {}: {} entries, {}",
          archive.getFileName(),
          unpacker.entries,
          Progress.bytes(unpacker.bytes));
    } catch (StorageException e) {
      cleanUp(staging, archive);
      throw e;
    } catch (IOException | RuntimeException e) {
      if (DiskSpace.isFull(e)) {
        // Not the archive's fault: it stays, whole, for a run with more room.
        if (staging != null) {
          deleteTree(staging);
        }
        throw new StorageException(
            Kind.NO_SPACE,
            "No space left to unpack "
                + archive.getFileName()
                + " in "
                + dest
                + " ("
                + DiskSpace.describe(dest)
                + " after removing what was unpacked; "
                + Progress.bytes(unpacker == null ? 0 : unpacker.bytes)
                + " had been unpacked). The archive is kept in DEST; give the volume room for"
                + " the archive and its contents together (the emptyDir's sizeLimit, the PVC's"
                + " size), then run again",
            e);
      }
      cleanUp(staging, archive);
      throw new StorageException(
          Kind.INTEGRITY,
          "Failed to unpack archive file "
              + archive.getFileName()
              + ": the file is truncated or not a valid "
              + format.name().toLowerCase(Locale.ROOT)
              + " archive ("
              + e.getMessage()
              + "); nothing of it was kept",
          e);
    }
  }

  /**
   * Refuses, before anything is unpacked, an archive whose contents are known not to fit beside it
   * (a zip's central directory, a gzip's recorded length, a plain tar's own size); the archive
   * stays.
   */
  private static void checkRoom(Path archive, Format format, Path dest, Settings.DiskCheck disk) {
    if (!disk.on()) {
      return;
    }
    long unpacked = unpackedSize(archive, format);
    long free;
    try {
      free = Files.getFileStore(dest).getUsableSpace();
    } catch (IOException e) {
      return;
    }
    if (unpacked > 0 && SpaceCheck.blocks(unpacked) + disk.margin() > free) {
      throw new StorageException(
          Kind.NO_SPACE,
          "No space to unpack "
              + archive.getFileName()
              + ": its contents need about "
              + Progress.bytes(unpacked)
              + " in "
              + dest
              + ", whose file system has "
              + DiskSpace.describe(dest)
              + ". The archive is kept in DEST; give the volume room for the archive and its"
              + " contents together (the emptyDir's sizeLimit, the PVC's size), then run again");
    }
  }

  /** What an archive unpacks to, where its format records it cheaply; 0 when not known. */
  static long unpackedSize(Path archive, Format format) {
    try {
      if (format == Format.ZIP) {
        long sum = 0;
        try (ZipFile zip = ZipFile.builder().setPath(archive).get()) {
          for (Enumeration<ZipArchiveEntry> e = zip.getEntries(); e.hasMoreElements(); ) {
            sum += Math.max(0, e.nextElement().getSize());
          }
        }
        return sum;
      }
      long size = Files.size(archive);
      byte[] head = new byte[512];
      try (InputStream in = Files.newInputStream(archive)) {
        int n = in.readNBytes(head, 0, head.length);
        if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b && size < (1L << 32)) {
          // gzip's ISIZE: the length of the uncompressed data, modulo 2^32, in its last four bytes.
          try (java.nio.channels.SeekableByteChannel ch = Files.newByteChannel(archive)) {
            java.nio.ByteBuffer tail =
                java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.position(size - 4);
            while (tail.hasRemaining() && ch.read(tail) >= 0) {
              // Four bytes.
            }
            long isize = Integer.toUnsignedLong(tail.getInt(0));
            return isize >= size / 2 ? isize : 0;
          }
        }
        if (n == 512
            && new String(head, 257, 5, java.nio.charset.StandardCharsets.US_ASCII)
                .equals("ustar")) {
          return size;
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not known: unpacking tells.
    }
    return 0;
  }

  private static long saturatingMultiply(long a, long b) {
    long hi = Math.multiplyHigh(a, b);
    return hi != 0 || a * b < 0 ? Long.MAX_VALUE : a * b;
  }

  private static void cleanUp(Path staging, Path archive) {
    if (staging != null) {
      deleteTree(staging);
    }
    TransferEngine.deleteQuietly(archive);
  }

  /** Moves every staged entry into place; directories merge, files and links replace. */
  private static void mergeInto(Path from, Path to) throws IOException {
    List<Path> children;
    try (Stream<Path> s = Files.list(from)) {
      children = s.sorted().toList();
    }
    for (Path child : children) {
      Path target = to.resolve(child.getFileName().toString());
      boolean childIsDir = Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS);
      if (childIsDir && Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
        mergeInto(child, target);
        continue;
      }
      if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        deleteTree(target);
      }
      TransferEngine.moveIntoPlace(child, target);
    }
  }

  /** Deletes a tree without following symbolic links out of it. */
  static void deleteTree(Path root) {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      TransferEngine.deleteQuietly(root);
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        try {
          Files.deleteIfExists(p);
        } catch (DirectoryNotEmptyException e) {
          LOG.warn("could not remove {}", p);
        }
      }
    } catch (IOException e) {
      LOG.warn("could not remove {}: {}", root, e.toString());
    }
  }

  /** Unpacks one archive into a staging root, enforcing the rules. */
  private static final class Unpacker {
    private final Path archive;
    private final Path root;
    private final ArchiveLimits limits;
    private final long budget;
    private long entries;
    private long bytes;

    Unpacker(Path archive, Path root, ArchiveLimits limits, long budget) {
      this.archive = archive;
      this.root = root;
      this.limits = limits;
      this.budget = budget;
    }

    StorageException refuse(String why) {
      return new StorageException(
          Kind.INTEGRITY,
          "Refused archive "
              + archive.getFileName()
              + ": "
              + why
              + "; nothing of it was unpacked. Rebuild the archive with relative paths inside it"
              + " (or raise STORAGE_ARCHIVE_MAX_BYTES / _ENTRIES / _RATIO if it is legitimately large)");
    }

    void zip() throws IOException {
      try (ZipFile zip = ZipFile.builder().setPath(archive).get()) {
        Enumeration<ZipArchiveEntry> all = zip.getEntriesInPhysicalOrder();
        while (all.hasMoreElements()) {
          ZipArchiveEntry e = all.nextElement();
          Path target = place(e.getName());
          int type = e.getUnixMode() & 0170000;
          if (e.isUnixSymlink()) {
            symlink(e.getName(), target, zip.getUnixSymlink(e));
          } else if (type != 0 && type != 0100000 && type != 0040000) {
            throw refuse(
                "entry '"
                    + e.getName()
                    + "' is a special file (mode "
                    + Integer.toOctalString(type)
                    + ")");
          } else if (e.isDirectory()) {
            directory(target);
          } else {
            try (InputStream in = zip.getInputStream(e)) {
              file(e.getName(), target, in);
            }
          }
        }
      }
    }

    void tar() throws IOException {
      try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 64 * 1024);
          TarArchiveInputStream tar = new TarArchiveInputStream(decompress(raw))) {
        TarArchiveEntry e;
        while ((e = tar.getNextEntry()) != null) {
          Path target = place(e.getName());
          if (e.isSymbolicLink()) {
            symlink(e.getName(), target, e.getLinkName());
          } else if (e.isLink()) {
            hardLink(e.getName(), target, e.getLinkName());
          } else if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
            throw refuse("entry '" + e.getName() + "' is a device file or FIFO");
          } else if (e.isDirectory()) {
            directory(target);
          } else if (e.isFile()) {
            file(e.getName(), target, tar);
          } else {
            throw refuse("entry '" + e.getName() + "' has an unsupported type");
          }
        }
      }
    }

    /** Tar files may be compressed whatever their name says; like Python's tarfile, look. */
    private InputStream decompress(InputStream in) throws IOException {
      try {
        String type = CompressorStreamFactory.detect(in);
        return new CompressorStreamFactory(true, DECOMPRESSOR_MEMORY_KIB)
            .createCompressorInputStream(type, in);
      } catch (CompressorException e) {
        if (e.getCause() instanceof org.apache.commons.compress.MemoryLimitException m) {
          throw refuse(
              "its compression header asks for "
                  + m.getMemoryNeededInKb() / 1024
                  + " MiB of memory, more than the "
                  + DECOMPRESSOR_MEMORY_KIB / 1024
                  + " MiB allowed");
        }
        return in;
      }
    }

    /** Where an entry lands, after refusing names that are absolute or climb out. */
    private Path place(String name) {
      if (++entries > limits.maxEntries()) {
        throw refuse("it has more than " + limits.maxEntries() + " entries");
      }
      if (name.indexOf('\0') >= 0) {
        throw refuse("entry name contains a NUL character");
      }
      if (name.startsWith("/") || name.startsWith("\\") || name.matches("^[A-Za-z]:.*")) {
        throw refuse("entry '" + name + "' has an absolute path");
      }
      Path p = root;
      for (String seg : name.split("[/\\\\]")) {
        if (seg.equals("..")) {
          throw refuse("entry '" + name + "' climbs out of the destination with '..'");
        }
        if (!seg.isEmpty() && !seg.equals(".")) {
          p = p.resolve(seg);
        }
      }
      return p;
    }

    /** Refuses to write through a link an earlier entry planted (e.g. "a" -> /etc, then "a/x"). */
    private void checkParents(String name, Path target) throws IOException {
      Path parent = target.getParent();
      Files.createDirectories(parent);
      if (!parent.toRealPath().startsWith(root)) {
        throw refuse("entry '" + name + "' would be written through a link that leads out");
      }
    }

    private void directory(Path target) throws IOException {
      if (target.equals(root)) {
        return;
      }
      checkParents(target.toString(), target);
      if (Files.isSymbolicLink(target)) {
        throw refuse("directory entry '" + root.relativize(target) + "' replaces a link");
      }
      Files.createDirectories(target);
    }

    private void file(String name, Path target, InputStream in) throws IOException {
      if (target.equals(root)) {
        throw refuse("entry '" + name + "' has an empty name");
      }
      checkParents(name, target);
      Files.deleteIfExists(target);
      byte[] buf = new byte[64 * 1024];
      try (OutputStream out =
          Files.newOutputStream(
              target,
              StandardOpenOption.CREATE_NEW,
              StandardOpenOption.WRITE,
              LinkOption.NOFOLLOW_LINKS)) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          bytes += n;
          if (bytes > budget) {
            throw refuse(
                "it unpacks to more than "
                    + Progress.bytes(budget)
                    + " (a decompression bomb, or over the configured limit)");
          }
          out.write(buf, 0, n);
        }
      }
    }

    private void symlink(String name, Path target, String linkTarget) throws IOException {
      if (linkTarget == null || linkTarget.isEmpty()) {
        throw refuse("link '" + name + "' has no target");
      }
      if (linkTarget.startsWith("/") || linkTarget.matches("^[A-Za-z]:.*")) {
        throw refuse("link '" + name + "' points to the absolute path " + linkTarget);
      }
      Path resolved = target.getParent().resolve(linkTarget).normalize();
      if (!resolved.startsWith(root)) {
        throw refuse("link '" + name + "' points outside the destination (" + linkTarget + ")");
      }
      checkParents(name, target);
      Files.deleteIfExists(target);
      Files.createSymbolicLink(target, target.getParent().relativize(resolved));
    }

    /** The most links one path may pass through, as Linux allows (ELOOP past 40). */
    private static final int MAX_HOPS = 40;

    /**
     * Judges every link against the tree as it will finally be, after every entry was unpacked and
     * merged into {@code dest}: entry-by-entry checks cannot see a link that was valid only through
     * another link that a later entry replaced, a link to a link, or a hard link to a link. Each
     * link is resolved step by step, through the links it meets (in the unpacked tree or, where
     * that has nothing, in DEST), and the archive is refused if any step leaves the destination.
     */
    void checkLinks(Path dest) throws IOException {
      List<Path> links;
      try (Stream<Path> walk = Files.walk(root)) {
        links = walk.filter(Files::isSymbolicLink).toList();
      }
      for (Path link : links) {
        List<String> at = new java.util.ArrayList<>();
        root.relativize(link.getParent()).forEach(seg -> at.add(seg.toString()));
        at.removeIf(String::isEmpty);
        String shown = root.relativize(link).toString();
        follow(shown, at, Files.readSymbolicLink(link).toString(), dest);
      }
    }

    /** Resolves {@code target} from the folder {@code at}, refusing any step out of the root. */
    private void follow(String shown, List<String> at, String target, Path dest)
        throws IOException {
      java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>();
      int hops = 0;
      pushSegments(todo, target);
      while (!todo.isEmpty()) {
        String seg = todo.pop();
        if (seg.isEmpty() || seg.equals(".")) {
          continue;
        }
        if (seg.equals("..")) {
          if (at.isEmpty()) {
            throw refuse("link '" + shown + "' leads outside the destination through other links");
          }
          at.remove(at.size() - 1);
          continue;
        }
        at.add(seg);
        String rel = String.join("/", at);
        Path here =
            Files.exists(root.resolve(rel), LinkOption.NOFOLLOW_LINKS)
                ? root.resolve(rel)
                : dest.resolve(rel);
        if (Files.isSymbolicLink(here)) {
          if (++hops > MAX_HOPS) {
            throw refuse("link '" + shown + "' passes through more than " + MAX_HOPS + " links");
          }
          String next = Files.readSymbolicLink(here).toString();
          if (next.startsWith("/")) {
            throw refuse("link '" + shown + "' leads to the absolute path " + next);
          }
          at.remove(at.size() - 1);
          pushSegments(todo, next);
        }
      }
    }

    private static void pushSegments(java.util.ArrayDeque<String> todo, String path) {
      String[] segs = path.split("/", -1);
      for (int i = segs.length - 1; i >= 0; i--) {
        todo.push(segs[i]);
      }
    }

    private void hardLink(String name, Path target, String linkName) throws IOException {
      Path existing = place(linkName);
      entries--; // the link target is not an entry of its own
      if (!Files.isRegularFile(existing) || !existing.toRealPath().startsWith(root)) {
        throw refuse(
            "hard link '"
                + name
                + "' points outside the destination or to no file ("
                + linkName
                + ")");
      }
      checkParents(name, target);
      Files.deleteIfExists(target);
      try {
        Files.createLink(target, existing);
      } catch (FileAlreadyExistsException | UnsupportedOperationException e) {
        Files.copy(existing, target);
      }
    }
  }
}
