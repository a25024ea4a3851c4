package com.example.demo;

import io.storageinit.api.StorageProvider;
import io.storageinit.tck.BackendFixture;
import io.storageinit.tck.StorageProviderContract;
import io.storageinit.tck.TestProviderContext;
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
    return new BackendFixture() {
      @Override
      public void put(String path, byte[] data) throws Exception {
        Path file = catalog.resolve(path);
        Files.createDirectories(file.getParent());
        Files.write(file, data);
      }

      @Override
      public String uri(String path) {
        return "demo://" + path;
      }

      @Override
      public Map<String, String> environment() {
        return Map.of("DEMO_CATALOG", catalog.toString());
      }
    };
  }

  @Override
  protected TestProviderContext context(BackendFixture fixture) {
    return new TestProviderContext(fixture.environment());
  }
}
