package io.storageinit.hdfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.storageinit.api.StorageException;
import io.storageinit.tck.TestProviderContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** KServe's N_THREADS from the secret directory bounds the runtime's streams. */
class HdfsSettingsTest {
  @TempDir Path secrets;

  private HdfsSettings settings() {
    return HdfsSettings.from(
        new TestProviderContext(Map.of("HDFS_SECRET_DIR", secrets.toString())));
  }

  @Test
  void nThreadsIsTheConcurrencyLimitWhenSet() throws Exception {
    Files.writeString(secrets.resolve("HDFS_NAMENODE"), "http://nn:9870");
    assertThat(settings().threads()).isEmpty();
    Files.writeString(secrets.resolve("N_THREADS"), "4\n");
    assertThat(settings().threads()).hasValue(4);
  }

  @Test
  void aBadNThreadsIsAConfigurationError() throws Exception {
    Files.writeString(secrets.resolve("N_THREADS"), "two");
    assertThatThrownBy(this::settings)
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("N_THREADS in " + secrets + " must be a whole number of at least 1");
  }
}
