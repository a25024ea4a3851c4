package io.storageinit.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

class ConsoleLogTest {
  @Test
  void timestampsAreUtcWithMillisecondsAndFixedWidth() {
    assertThat(ConsoleLog.timestamp(0)).isEqualTo("1970-01-01T00:00:00.000Z");
    long t = Instant.parse("2024-02-29T23:59:58.007Z").toEpochMilli();
    assertThat(ConsoleLog.timestamp(t)).isEqualTo("2024-02-29T23:59:58.007Z");
    assertThat(ConsoleLog.timestamp(Instant.parse("2026-11-30T09:05:01.120Z").toEpochMilli()))
        .isEqualTo("2026-11-30T09:05:01.120Z");
  }

  @Test
  void ownLevelFollowsTheSettingAndDefaultsToInfo() {
    assertThat(ConsoleLog.ownLevel(null)).isEqualTo(Level.INFO);
    assertThat(ConsoleLog.ownLevel("debug")).isEqualTo(Level.DEBUG);
    assertThat(ConsoleLog.ownLevel(" TRACE ")).isEqualTo(Level.TRACE);
    assertThat(ConsoleLog.ownLevel("warning")).isEqualTo(Level.WARN);
    assertThat(ConsoleLog.ownLevel("chatty")).isEqualTo(Level.INFO);
    assertThat(ConsoleLog.ownLevel("off")).isNull();
  }

  @Test
  void librariesLogAtInfoAndTheChattyOnesAtWarn() {
    assertThat(ConsoleLog.levelOf("io.storageinit.s3.S3Transport", Level.DEBUG))
        .isEqualTo(Level.DEBUG);
    assertThat(ConsoleLog.levelOf("software.amazon.awssdk.auth", Level.DEBUG))
        .isEqualTo(Level.WARN);
    assertThat(ConsoleLog.levelOf("org.apache.hadoop.hdfs", Level.TRACE)).isEqualTo(Level.WARN);
    assertThat(ConsoleLog.levelOf("io.micrometer.core", Level.ERROR)).isEqualTo(Level.INFO);
  }

  @Test
  void aNameWithLineBreaksOrControlCharactersCannotForgeALine() {
    String forged = "m/a.bin\n2026-01-01T00:00:00.000Z INFO done: all verified\r\u001b[2Kx";
    String line = ConsoleLog.line(0, Level.WARN, "retrying " + forged, null);
    String[] lines = line.split(System.lineSeparator());
    assertThat(lines).hasSize(2);
    assertThat(lines[0]).isEqualTo("1970-01-01T00:00:00.000Z WARN retrying m/a.bin");
    assertThat(lines[1])
        .isEqualTo("  | 2026-01-01T00:00:00.000Z INFO done: all verified\\u000d\\u001b[2Kx");
  }

  @Test
  void aLoggerPrintsOneLinePerEventAtOrAboveItsThresholdWithTheStackTrace() {
    PrintStream saved = System.err;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      ConsoleLog.ConsoleLogger log = new ConsoleLog.ConsoleLogger("io.storageinit.x", Level.INFO);
      log.debug("hidden {}", 1);
      log.info("copied {} to {}", "s3://b/m", "/mnt/models");
      log.warn("failed", new IllegalStateException("boom"));
      new ConsoleLog.ConsoleLogger("quiet", null).error("never");
    } finally {
      System.setErr(saved);
    }
    String out = bytes.toString(StandardCharsets.UTF_8);
    String[] lines = out.split(System.lineSeparator());
    assertThat(lines[0])
        .matches(
            "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO copied s3://b/m to /mnt/models");
    assertThat(lines[1]).endsWith(" WARN failed");
    assertThat(lines[2]).isEqualTo("java.lang.IllegalStateException: boom");
    assertThat(lines[3]).startsWith("\tat ");
    assertThat(out).doesNotContain("hidden").doesNotContain("never");
  }

  @Test
  void slf4jFindsThisBackend() {
    assertThat(org.slf4j.LoggerFactory.getLogger("io.storageinit.t"))
        .isInstanceOf(ConsoleLog.ConsoleLogger.class);
  }
}
