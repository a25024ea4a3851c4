package io.storageinit.runtime;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.storageinit.api.StorageException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Tar archives of fuzzed entry names, types and link targets, unpacked for real: each one either
 * unpacks inside DEST (every link in it resolving inside DEST) or is refused with an integrity
 * error, DEST as it was; nothing outside DEST is ever created, changed or removed.
 */
class ArchiveEntriesFuzz {
  private static final byte[] LINK_TYPES = {
    TarArchiveEntry.LF_NORMAL, TarArchiveEntry.LF_DIR, TarArchiveEntry.LF_SYMLINK,
    TarArchiveEntry.LF_LINK, TarArchiveEntry.LF_FIFO, TarArchiveEntry.LF_CHR
  };
  private static final List<String> PIECES =
      List.of("a", "b", "..", ".", "/", "../victim", "/tmp", "d/", "l", "x/../y", "", "\u0000");

  private static Path root;

  @FuzzTest(maxDuration = "10s")
  void anyEntries(FuzzedDataProvider data) {
    fuzzerTestOneInput(data);
  }

  /** The target, also for Jazzer's command line (bench/fuzz-long.sh). */
  public static void fuzzerTestOneInput(FuzzedDataProvider data) {
    try {
      if (root == null) {
        root = Files.createTempDirectory("archive-fuzz").toRealPath();
        Files.writeString(root.resolve("victim"), "outside");
      }
      Path dest = Files.createDirectories(root.resolve("dest"));
      Files.writeString(dest.resolve("keep.txt"), "kept");
      Path archive = dest.resolve("m.tar");
      if (!write(archive, data)) {
        Archives.deleteTree(dest);
        return;
      }
      try {
        Archives.extract(
            archive,
            Archives.Format.TAR,
            dest,
            new Settings.ArchiveLimits(1 << 20, 64, 250),
            Settings.DiskCheck.OFF);
        everyLinkInside(dest);
      } catch (StorageException e) {
        if (e.kind() != StorageException.Kind.INTEGRITY) {
          throw e;
        }
        try (Stream<Path> left = Files.list(dest)) {
          if (!left.map(p -> p.getFileName().toString()).toList().equals(List.of("keep.txt"))) {
            throw new IllegalStateException("a refused archive left DEST changed");
          }
        }
      }
      if (!Files.readString(root.resolve("victim")).equals("outside")) {
        throw new IllegalStateException("a file outside DEST changed");
      }
      try (Stream<Path> top = Files.list(root)) {
        if (top.count() != 2) {
          throw new IllegalStateException("something was created beside DEST");
        }
      }
      Archives.deleteTree(dest);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean write(Path archive, FuzzedDataProvider data) throws IOException {
    try (OutputStream out = Files.newOutputStream(archive);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      int n = data.consumeInt(1, 8);
      for (int i = 0; i < n; i++) {
        String name = name(data);
        String target = name(data);
        byte type = LINK_TYPES[data.consumeInt(0, LINK_TYPES.length - 1)];
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        byte[] body = new byte[0];
        if (type == TarArchiveEntry.LF_NORMAL) {
          body = data.consumeString(64).getBytes(StandardCharsets.UTF_8);
          e.setSize(body.length);
        } else if (type == TarArchiveEntry.LF_SYMLINK || type == TarArchiveEntry.LF_LINK) {
          e.setLinkName(target);
        }
        tar.putArchiveEntry(e);
        tar.write(body);
        tar.closeArchiveEntry();
      }
      return true;
    } catch (IllegalArgumentException | IOException e) {
      return false; // Names a tar cannot hold: nothing to unpack.
    }
  }

  private static String name(FuzzedDataProvider data) {
    StringBuilder b = new StringBuilder();
    for (int k = data.consumeInt(1, 4); k > 0; k--) {
      if (data.consumeBoolean()) {
        b.append(PIECES.get(data.consumeInt(0, PIECES.size() - 1)));
      } else {
        b.append(data.consumeString(8));
      }
      if (k > 1) {
        b.append('/');
      }
    }
    return b.toString();
  }

  private static void everyLinkInside(Path dest) throws IOException {
    Path real = dest.toRealPath();
    try (Stream<Path> all = Files.walk(dest)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        if (Files.isSymbolicLink(p)) {
          Path target;
          try {
            target = p.toRealPath();
          } catch (IOException dangling) {
            continue; // Points nowhere: nothing outside is reached.
          }
          if (!target.startsWith(real)) {
            throw new IllegalStateException(p + " leads out of DEST to " + target);
          }
        } else if (!p.equals(dest) && !p.toRealPath(LinkOption.NOFOLLOW_LINKS).startsWith(real)) {
          throw new IllegalStateException(p + " is outside DEST");
        }
      }
    }
  }
}
