package com.example.demo;

import io.storageinit.api.StorageProvider;
import io.storageinit.tck.BackendFixture;
import io.storageinit.tck.StorageProviderContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The whole TCK against the demo provider: two hooks and a fixture. */
class DemoProviderContractTest extends StorageProviderContract {

  @Override
  protected StorageProvider provider() {
    return new DemoStorageProvider();
  }

  @Override
  protected BackendFixture newFixture() throws Exception {
    Path catalog = Files.createTempDirectory("demo-catalog");
    return BackendFixture.ofFolder(
        catalog, path -> "demo://" + path, Map.of("DEMO_CATALOG", catalog.toString()), null);
  }
}
