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
                    new Settings.ArchiveLimits(1 << 20, 64, 250)))
        .isInstanceOfSatisfying(
            StorageException.class,
            e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.INTEGRITY))
        .hasMessageContaining("more than the 128 MiB allowed");
    try (var left = Files.list(dest)) {
      assertThat(left).isEmpty();
    }
  }
}
