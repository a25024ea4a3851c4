package io.storageinit.http;

import io.storageinit.api.StorageProvider;
import io.storageinit.tck.BackendFixture;
import io.storageinit.tck.StorageProviderContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Nested;

/** Runs the TCK against the HTTP provider and a real HTTP server, with ranges on and off. */
class HttpProviderContractTest {

  static BackendFixture fixture(boolean ranges) throws Exception {
    Path root = Files.createTempDirectory("http-tck");
    TestHttpServer server = TestHttpServer.start(root).ranges(ranges);
    return BackendFixture.ofFolder(root, server::url, Map.of(), server);
  }

  @Nested
  class WithRanges extends StorageProviderContract {
    @Override
    protected StorageProvider provider() {
      return new HttpStorageProvider();
    }

    @Override
    protected BackendFixture newFixture() throws Exception {
      return fixture(true);
    }
  }

  @Nested
  class WithoutRanges extends StorageProviderContract {
    @Override
    protected StorageProvider provider() {
      return new HttpStorageProvider();
    }

    @Override
    protected BackendFixture newFixture() throws Exception {
      return fixture(false);
    }
  }
}
