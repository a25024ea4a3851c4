package io.storageinit.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.storageinit.api.StorageException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchivesTest {
  @TempDir Path dest;

  @Test
  void aHeaderAskingForAHugeDictionaryIsRefusedNotAllocated() throws Exception {
    // ArchiveEntriesFuzz's finding: a tar whose first entry name begins "]\0\0\1t" reads as an
    // LZMA header (properties 0x5D, then the dictionary size) asking for a 1.9 GB dictionary.
    Path archive = dest.resolve("m.tar");
    byte[] bytes = new byte[512];
    byte[] header = {0x5d, 0, 0, 1, 0x74, -1, -1, -1, -1, -1, -1, -1, -1};
    System.arraycopy(header, 0, bytes, 0, header.length);
    Files.write(archive, bytes);
    assertThatThrownBy(
            () ->
                Archives.extract(
                    archive,
                    Archives.Format.TAR,
                    dest,
                    new Settings.ArchiveLimits(1 << 20, 64, 250),
                    Settings.DiskCheck.OFF))
        .isInstanceOfSatisfying(
            StorageException.class,
            e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.INTEGRITY))
        .hasMessageContaining("more than the 128 MiB allowed");
    try (var left = Files.list(dest)) {
      assertThat(left).isEmpty();
    }
  }

  private static final Settings.ArchiveLimits LIMITS = new Settings.ArchiveLimits(1 << 20, 64, 250);

  /** One entry of a test archive: a folder (name ends in /), a file, a symlink or a hard link. */
  record Entry(String name, String content, String symlink, String hardLink) {
    static Entry dir(String name) {
      return new Entry(name, null, null, null);
    }

    static Entry file(String name, String content) {
      return new Entry(name, content, null, null);
    }

    static Entry link(String name, String target) {
      return new Entry(name, null, target, null);
    }

    static Entry hard(String name, String target) {
      return new Entry(name, null, null, target);
    }
  }

  /** Writes a real tar with commons-compress, entries in the order given. */
  static void tar(Path archive, Entry... entries) throws Exception {
    try (var out =
        new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(
            Files.newOutputStream(archive))) {
      for (Entry e : entries) {
        org.apache.commons.compress.archivers.tar.TarArchiveEntry t;
        byte[] data = e.content() == null ? new byte[0] : e.content().getBytes();
        if (e.symlink() != null) {
          t =
              new org.apache.commons.compress.archivers.tar.TarArchiveEntry(
                  e.name(), org.apache.commons.compress.archivers.tar.TarConstants.LF_SYMLINK);
          t.setLinkName(e.symlink());
        } else if (e.hardLink() != null) {
          t =
              new org.apache.commons.compress.archivers.tar.TarArchiveEntry(
                  e.name(), org.apache.commons.compress.archivers.tar.TarConstants.LF_LINK);
          t.setLinkName(e.hardLink());
        } else {
          t = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(e.name());
          t.setSize(data.length);
        }
        out.putArchiveEntry(t);
        out.write(data);
        out.closeArchiveEntry();
      }
    }
  }

  /** Writes a real zip with commons-compress (symlinks as Info-ZIP writes them). */
  static void zip(Path archive, Entry... entries) throws Exception {
    try (var out = new org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream(archive)) {
      for (Entry e : entries) {
        var z = new org.apache.commons.compress.archivers.zip.ZipArchiveEntry(e.name());
        byte[] data;
        if (e.symlink() != null) {
          z.setUnixMode(0120777);
          data = e.symlink().getBytes();
        } else {
          data = e.content() == null ? new byte[0] : e.content().getBytes();
          z.setUnixMode(e.name().endsWith("/") ? 040755 : 0100644);
        }
        out.putArchiveEntry(z);
        out.write(data);
        out.closeArchiveEntry();
      }
    }
  }

  /**
   * Unpacks {@code archive} into DEST (a folder beside a victim file) and expects the refusal of a
   * link that leads out, with the victim untouched and nothing of the archive left.
   */
  void assertLinkOutRefused(Path archive, Archives.Format format) throws Exception {
    Path model = Files.createDirectories(dest.resolve("mnt/models"));
    Path victim = Files.writeString(dest.resolve("mnt/victim"), "outside DEST");
    Path inDest = Files.move(archive, model.resolve(archive.getFileName()));
    assertThatThrownBy(
            () -> Archives.extract(inDest, format, model, LIMITS, Settings.DiskCheck.OFF))
        .isInstanceOfSatisfying(
            StorageException.class,
            e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.INTEGRITY))
        .hasMessageContaining("Refused archive");
    assertThat(victim).hasContent("outside DEST");
    try (var left = Files.list(model)) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void aLinkValidOnlyThroughALinkThatALaterEntryReplacesIsRefused() throws Exception {
    // d/l -> .. makes d/l/m land at the top as m -> ../victim; then d/l becomes a plain file.
    Entry[] chain = {
      Entry.dir("d/"),
      Entry.link("d/l", ".."),
      Entry.link("d/l/m", "../victim"),
      Entry.file("d/l", "replaces the link"),
    };
    Path archive = dest.resolve("chain.tar");
    tar(archive, chain);
    assertLinkOutRefused(archive, Archives.Format.TAR);
  }

  @Test
  void theSameChainInAZipIsRefused() throws Exception {
    Path archive = dest.resolve("chain.zip");
    zip(
        archive,
        Entry.dir("d/"),
        Entry.link("d/l", ".."),
        Entry.link("d/l/m", "../victim"),
        Entry.file("d/l", "replaces the link"));
    assertLinkOutRefused(archive, Archives.Format.ZIP);
  }

  @Test
  void aLinkPlacedThroughAnotherLinkIsJudgedWhereItLands() throws Exception {
    // x/y/up -> ../.. is the top, so x/y/up/esc lands there as esc -> ../victim, although
    // "x/y/up/../victim" reads as inside DEST.
    Path archive = dest.resolve("through.tar");
    tar(
        archive,
        Entry.dir("x/y/"),
        Entry.link("x/y/up", "../.."),
        Entry.link("x/y/up/esc", "../victim"));
    assertLinkOutRefused(archive, Archives.Format.TAR);
  }

  @Test
  void aLinkWhoseTargetClimbsBackThroughALinkIsKeptInside() throws Exception {
    // sub/up -> .. is the top; "sub/up/../victim" is written as the lexical "sub/victim", inside.
    Path model = Files.createDirectories(dest.resolve("models"));
    Path archive = model.resolve("m.tar");
    tar(
        archive,
        Entry.dir("sub/"),
        Entry.link("sub/up", ".."),
        Entry.link("esc", "sub/up/../victim"));
    Archives.extract(archive, Archives.Format.TAR, model, LIMITS, Settings.DiskCheck.OFF);
    assertThat(Files.readSymbolicLink(model.resolve("esc")).toString()).isEqualTo("sub/victim");
  }

  @Test
  void aHardLinkToALinkThatWouldLeadOutFromItsNewPlaceIsRefused() throws Exception {
    // a/b -> ../c is inside; a hard link of it at the top is the same link one folder higher.
    Path archive = dest.resolve("hard.tar");
    tar(
        archive,
        Entry.file("c", "x"),
        Entry.dir("a/"),
        Entry.link("a/b", "../c"),
        Entry.hard("e", "a/b"));
    assertLinkOutRefused(archive, Archives.Format.TAR);
  }

  @Test
  void linksThatStayInsideUnpackThroughEachOther() throws Exception {
    Path model = Files.createDirectories(dest.resolve("models"));
    Path archive = model.resolve("m.tar");
    tar(
        archive,
        Entry.dir("v1/"),
        Entry.file("v1/model.bin", "weights"),
        Entry.link("v1/alias.bin", "model.bin"),
        Entry.link("latest", "v1"),
        Entry.link("current.bin", "latest/alias.bin"),
        Entry.link("loop-a", "loop-b/x"));
    Archives.extract(archive, Archives.Format.TAR, model, LIMITS, Settings.DiskCheck.OFF);
    assertThat(model.resolve("current.bin")).hasContent("weights");
    assertThat(model.resolve("latest/model.bin")).hasContent("weights");
    assertThat(Files.isSymbolicLink(model.resolve("loop-a"))).isTrue();
    assertThat(model.resolve("m.tar")).doesNotExist();
  }

  @Test
  void linksThatLoopAreRefused() throws Exception {
    Path archive = dest.resolve("loop.tar");
    tar(archive, Entry.link("a", "b"), Entry.link("b", "a"));
    assertLinkOutRefused(archive, Archives.Format.TAR);
  }
}
