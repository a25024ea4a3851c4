package io.storageinit.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageException;
import io.storageinit.tck.TestProviderContext;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** KServe's S3_MAX_FILE_CONCURRENCY reaches the runtime as the client's concurrency limit. */
class S3SettingsTest {
  private static final Map<String, String> KEYS =
      Map.of("AWS_ACCESS_KEY_ID", "id", "AWS_SECRET_ACCESS_KEY", "secret");

  private static StorageClient open(Map<String, String> extra) {
    Map<String, String> env = new java.util.HashMap<>(KEYS);
    env.putAll(extra);
    return new S3StorageProvider().open(new TestProviderContext(env));
  }

  @Test
  void maxFileConcurrencyBoundsTheStreams() {
    try (StorageClient c = open(Map.of("S3_MAX_FILE_CONCURRENCY", "3"))) {
      assertThat(c.concurrencyLimit()).hasValue(3);
    }
    try (StorageClient c = open(Map.of())) {
      assertThat(c.concurrencyLimit()).isEmpty();
    }
  }

  @Test
  void aBadMaxFileConcurrencyIsAConfigurationError() {
    assertThatThrownBy(() -> open(Map.of("S3_MAX_FILE_CONCURRENCY", "0")))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("S3_MAX_FILE_CONCURRENCY=0 is not a positive whole number");
  }
}
