package io.storageinit.s3;

import io.storageinit.api.StorageProvider;
import io.storageinit.tck.BackendFixture;
import io.storageinit.tck.StorageProviderContract;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The TCK against a real S3 server (S3Proxy), one bucket per test. */
class S3ProviderContractTest extends StorageProviderContract {
  static TestS3Server server;

  @BeforeAll
  static void start() throws Exception {
    server = TestS3Server.start(false);
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  @Override
  protected StorageProvider provider() {
    return new S3StorageProvider();
  }

  @Override
  protected BackendFixture newFixture() throws Exception {
    String bucket = "tck-" + UUID.randomUUID().toString().substring(0, 8);
    server.bucket(bucket);
    return new BackendFixture() {
      @Override
      public void put(String path, byte[] data) throws Exception {
        server.put(bucket, "root/" + path, data);
      }

      @Override
      public String uri(String path) {
        return "s3://" + bucket + "/root/" + path;
      }

      @Override
      public Map<String, String> environment() {
        return server.environment();
      }
    };
  }
}
