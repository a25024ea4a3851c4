package io.storageinit.hdfs;

import io.storageinit.api.StorageProvider;
import io.storageinit.tck.BackendFixture;
import io.storageinit.tck.StorageProviderContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/** The TCK against a real MiniDFSCluster: over WebHDFS (KServe's way) and over RPC. */
class HdfsProviderContractTest {
  static TestHdfsCluster cluster;
  static Path secrets;
  static Path hadoopConf;

  @BeforeAll
  static void start() throws Exception {
    Path base = Files.createTempDirectory("hdfs-tck");
    cluster = TestHdfsCluster.start(base);
    secrets =
        cluster.secretDir("kserve-hdfscreds", Map.of("HDFS_NAMENODE", cluster.webhdfsAddress()));
    hadoopConf = cluster.hadoopConfDir();
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  abstract static class Base extends StorageProviderContract {
    @Override
    protected StorageProvider provider() {
      return new HdfsStorageProvider();
    }

    @Override
    protected int largeObjectSize() {
      return 1024 * 1024 + 17;
    }

    abstract String uri(String root, String path);

    abstract Map<String, String> environment();

    @Override
    protected BackendFixture newFixture() {
      String root = "tck-" + UUID.randomUUID().toString().substring(0, 8);
      return new BackendFixture() {
        @Override
        public void put(String path, byte[] data) throws Exception {
          cluster.put(root + "/" + path, data);
        }

        @Override
        public String uri(String path) {
          return Base.this.uri(root, path);
        }

        @Override
        public Map<String, String> environment() {
          return Base.this.environment();
        }
      };
    }
  }

  @Nested
  class KServeWebHdfs extends Base {
    @Override
    String uri(String root, String path) {
      return "hdfs://" + root + "/" + path;
    }

    @Override
    Map<String, String> environment() {
      return Map.of("HDFS_SECRET_DIR", secrets.toString());
    }
  }

  @Nested
  class WebHdfsScheme extends Base {
    @Override
    String uri(String root, String path) {
      return "webhdfs://" + root + "/" + path;
    }

    @Override
    Map<String, String> environment() {
      return Map.of("HDFS_SECRET_DIR", secrets.toString());
    }
  }

  @Nested
  class NativeRpc extends Base {
    @Override
    String uri(String root, String path) {
      return cluster.rpcUri() + "/" + root + "/" + path;
    }

    @Override
    Map<String, String> environment() {
      return Map.of("HADOOP_CONF_DIR", hadoopConf.toString(), "HDFS_SECRET_DIR", "/nonexistent");
    }
  }
}
