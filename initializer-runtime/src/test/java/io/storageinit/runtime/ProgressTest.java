package io.storageinit.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProgressTest {
  @Test
  void sizesPrintWithOneDecimalInBinaryUnits() {
    assertThat(Progress.bytes(0)).isEqualTo("0 B");
    assertThat(Progress.bytes(1023)).isEqualTo("1023 B");
    assertThat(Progress.bytes(1024)).isEqualTo("1.0 KiB");
    assertThat(Progress.bytes(1_024_000)).isEqualTo("1000.0 KiB");
    assertThat(Progress.bytes(1536L << 20)).isEqualTo("1.5 GiB");
    assertThat(Progress.bytes(5L << 50)).isEqualTo("5120.0 TiB");
  }

  @Test
  void oneDecimalRoundsHalfUp() {
    assertThat(Progress.oneDecimal(0)).isEqualTo("0.0");
    assertThat(Progress.oneDecimal(0.04)).isEqualTo("0.0");
    assertThat(Progress.oneDecimal(0.25)).isEqualTo("0.3");
    assertThat(Progress.oneDecimal(936.34)).isEqualTo("936.3");
    assertThat(Progress.oneDecimal(9.96)).isEqualTo("10.0");
  }

  @Test
  void theSummaryCountsFilesBytesAndRetries() {
    TransferStats stats = new TransferStats();
    stats.filesDone.set(304);
    stats.bytesTransferred.set(1L << 30);
    stats.retries.set(2);
    try (Progress p = new Progress(stats, java.time.Duration.ofSeconds(60))) {
      assertThat(p.summary())
          .matches(
              "304 files, 1\\.0 GiB transferred in \\d+\\.\\ds \\(\\d+\\.\\d MB/s\\), 0 reused,"
                  + " 0 linked, 2 retries");
    }
  }
}
