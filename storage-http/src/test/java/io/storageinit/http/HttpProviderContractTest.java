package io.storageinit.http;

import io.storageinit.api.StorageProvider;
import io.storageinit.tck.BackendFixture;
import io.storageinit.tck.StorageProviderContract;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Nested;

/** Runs the TCK against the HTTP provider and a real HTTP server, with ranges on and off. */
class HttpProviderContractTest {

  static BackendFixture fixture(boolean ranges) throws Exception {
    Path root = Files.createTempDirectory("http-tck");
    TestHttpServer server = TestHttpServer.start(root).ranges(ranges);
    return new BackendFixture() {
      @Override
      public void put(String path, byte[] data) throws Exception {
        Path file = root.resolve(path);
        Files.createDirectories(file.getParent());
        Files.write(file, data);
      }

      @Override
      public String uri(String path) {
        return server.url(path);
      }

      @Override
      public void close() {
        server.close();
      }
    };
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
