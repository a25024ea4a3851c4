package io.storageinit.gcs;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.storageinit.api.StorageProvider;
import io.storageinit.tck.BackendFixture;
import io.storageinit.tck.StorageProviderContract;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Runs the TCK against the gcs provider and Google's Cloud Storage emulator. */
class GcsProviderContractTest extends StorageProviderContract {
  static GcsEmulator emulator;

  @BeforeAll
  static void startEmulator() throws Exception {
    assumeTrue(GcsEmulator.installed(), GcsEmulator.NOT_INSTALLED);
    emulator = GcsEmulator.start();
  }

  @AfterAll
  static void stopEmulator() {
    if (emulator != null) {
      emulator.close();
    }
  }

  @Override
  protected StorageProvider provider() {
    return new GcsStorageProvider();
  }

  @Override
  protected BackendFixture newFixture() {
    String bucket = "tck-" + UUID.randomUUID().toString().substring(0, 8);
    return new BackendFixture() {
      @Override
      public void put(String path, byte[] data) {
        emulator.put(bucket, "root/" + path, data);
      }

      @Override
      public String uri(String path) {
        return "gs://" + bucket + "/root" + (path.isEmpty() ? "" : "/" + path);
      }

      @Override
      public Map<String, String> environment() {
        return Map.of("STORAGE_EMULATOR_HOST", emulator.endpoint());
      }
    };
  }
}
