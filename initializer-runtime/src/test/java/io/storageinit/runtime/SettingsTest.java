package io.storageinit.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.storageinit.api.StorageException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {
  @Test
  void defaultsSuitAnInitContainer() {
    Settings s = Settings.fromEnvironment(Map.of());
    assertThat(s.concurrency()).isEqualTo(Settings.DEFAULT_CONCURRENCY);
    assertThat(s.partSize()).isEqualTo(Settings.AUTO_PART_SIZE);
    assertThat(s.localMode()).isEqualTo(Settings.LocalMode.LINK);
    assertThat(s.allowPatterns()).isEmpty();
    assertThat(s.storageConfig()).isEmpty();
  }

  @Test
  void thePaceOfATransferIsCheckedByDefaultAndTheDeadlineOnlyWhenSet() {
    Settings.Pace dflt = Settings.fromEnvironment(Map.of()).pace();
    assertThat(dflt.minRate()).isEqualTo(1024);
    assertThat(dflt.window()).hasSeconds(30);
    assertThat(dflt.deadline()).isEmpty();

    Settings.Pace set =
        Settings.fromEnvironment(
                Map.of(
                    "STORAGE_MIN_RATE", "0",
                    "STORAGE_MIN_RATE_WINDOW_SECONDS", "5",
                    "STORAGE_DEADLINE_SECONDS", "600"))
            .pace();
    assertThat(set.minRate()).isZero();
    assertThat(set.window()).hasSeconds(5);
    assertThat(set.deadline()).hasValue(java.time.Duration.ofMinutes(10));

    assertThatThrownBy(
            () ->
                Settings.fromEnvironment(
                    Map.of("STORAGE_MIN_RATE", "slow", "STORAGE_DEADLINE_SECONDS", "0")))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("STORAGE_MIN_RATE")
        .hasMessageContaining("STORAGE_DEADLINE_SECONDS");
  }

  @Test
  void patternsAreAJsonArrayOrACommaList() {
    Settings s =
        Settings.fromEnvironment(
            Map.of(
                "STORAGE_ALLOW_PATTERNS",
                "[\"*.json\", \"weights/*\"]",
                "STORAGE_IGNORE_PATTERNS",
                "*.md, docs/*"));
    assertThat(s.allowPatterns()).containsExactly("*.json", "weights/*");
    assertThat(s.ignorePatterns()).containsExactly("*.md", "docs/*");
  }

  @Test
  void sizesAcceptUnits() {
    assertThat(Settings.parseSize("1048576")).isEqualTo(1 << 20);
    assertThat(Settings.parseSize("8MiB")).isEqualTo(8L << 20);
    assertThat(Settings.parseSize("2g")).isEqualTo(2L << 30);
    assertThatThrownBy(() -> Settings.parseSize("lots"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void overrideConfigWinsOverStorageConfig() {
    Settings s =
        Settings.fromEnvironment(
            Map.of(
                "STORAGE_CONFIG", "{\"type\":\"s3\",\"region\":\"us-east-1\",\"bucket\":\"b\"}",
                "STORAGE_OVERRIDE_CONFIG", "{\"region\":\"eu-west-1\",\"nested\":{\"a\":1}}"));
    assertThat(s.storageConfig())
        .containsEntry("type", "s3")
        .containsEntry("region", "eu-west-1")
        .containsEntry("bucket", "b")
        .containsEntry("nested", "{\"a\":1}");
  }

  @Test
  void everyProblemIsReportedAtOnceWithoutEchoingSecrets() {
    assertThatThrownBy(
            () ->
                Settings.fromEnvironment(
                    Map.of(
                        "STORAGE_CONCURRENCY", "0",
                        "STORAGE_PART_SIZE", "big",
                        "STORAGE_PVC_MODE", "move",
                        "STORAGE_ALLOW_PATTERNS", "[1]",
                        "STORAGE_CONFIG", "{\"secret_access_key\": \"hunter2-secret")))
        .isInstanceOfSatisfying(
            StorageException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(StorageException.Kind.INVALID_CONFIG);
              assertThat(e.getMessage())
                  .contains("5 problems")
                  .contains("STORAGE_CONCURRENCY=0 is out of range")
                  .contains("STORAGE_PART_SIZE=big")
                  .contains("STORAGE_PVC_MODE=move")
                  .contains("STORAGE_ALLOW_PATTERNS")
                  .contains("STORAGE_CONFIG is not valid JSON")
                  .doesNotContain("hunter2");
            });
  }

  @Test
  void providersArePinnedPerScheme() {
    Settings s =
        Settings.fromEnvironment(
            Map.of("STORAGE_PROVIDER_S3", "s3-crt", "STORAGE_VALIDATORS", "checksums, gguf"));
    assertThat(s.pinnedProviders()).containsExactly(Map.entry("s3", "s3-crt"));
    assertThat(s.validators()).contains(List.of("checksums", "gguf"));
  }
}
