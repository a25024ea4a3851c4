package io.storageinit.azure;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.storageinit.api.StorageProvider;
import io.storageinit.tck.BackendFixture;
import io.storageinit.tck.StorageProviderContract;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Runs the TCK against the azure provider and Azurite's Blob service, with the account key. */
class AzureBlobContractTest extends StorageProviderContract {
  static Azurite azurite;

  @BeforeAll
  static void startAzurite() throws Exception {
    assumeTrue(Azurite.installed(), Azurite.NOT_INSTALLED);
    azurite = Azurite.start();
  }

  @AfterAll
  static void stopAzurite() {
    if (azurite != null) {
      azurite.close();
    }
  }

  @Override
  protected StorageProvider provider() {
    return new AzureStorageProvider();
  }

  @Override
  protected boolean keepsEmptyObjects() {
    return false;
  }

  @Override
  protected BackendFixture newFixture() {
    String container = "tck-" + UUID.randomUUID().toString().substring(0, 8);
    azurite.createContainer(container, null);
    return new BackendFixture() {
      @Override
      public void put(String path, byte[] data) {
        azurite.put(container, "root/" + path, data);
      }

      @Override
      public String uri(String path) {
        return Azurite.uri(container, "root" + (path.isEmpty() ? "" : "/" + path));
      }

      @Override
      public Map<String, String> environment() {
        return Map.of(
            "AZURE_BLOB_ENDPOINT", azurite.endpoint(), "AZURE_STORAGE_ACCESS_KEY", Azurite.KEY);
      }
    };
  }
}
