package io.storageinit.hdfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.storageinit.api.RemoteObject;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageException;
import io.storageinit.tck.TestProviderContext;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Downloads checked against the checksums a real DataNode computes: MD5-of-MD5-of-CRC32C over
 * WebHDFS and RPC for files of one and of several 1 MiB blocks, composite CRC32C over RPC; one
 * changed byte is refused.
 */
class HdfsChecksumTest {
  @TempDir static Path base;
  static TestHdfsCluster cluster;
  static Path secrets;
  static Path hadoopConf;
  static Path compositeConf;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestHdfsCluster.start(base);
    secrets =
        cluster.secretDir("kserve-hdfscreds", Map.of("HDFS_NAMENODE", cluster.webhdfsAddress()));
    hadoopConf = cluster.hadoopConfDir();
    compositeConf = Files.createDirectories(base.resolve("composite-conf"));
    Files.copy(hadoopConf.resolve("core-site.xml"), compositeConf.resolve("core-site.xml"));
    Files.writeString(
        compositeConf.resolve("hdfs-site.xml"),
        "<configuration><property><name>dfs.checksum.combine.mode</name>"
            + "<value>COMPOSITE_CRC</value></property></configuration>\n");
    cluster.put("/sums/one-block.bin", random(300_001));
    cluster.put("/sums/three-blocks.bin", random(2 * 1024 * 1024 + 4321));
    cluster.put("/sums/five-blocks.bin", random(5 * 1024 * 1024 - 3));
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  static byte[] random(int size) {
    byte[] b = new byte[size];
    new Random(size).nextBytes(b);
    return b;
  }

  @Test
  void webHdfsMd5OfMd5OfCrc() throws Exception {
    check(Map.of("HDFS_SECRET_DIR", secrets.toString()), "hdfs://sums/");
  }

  @Test
  void rpcMd5OfMd5OfCrc() throws Exception {
    check(
        Map.of("HADOOP_CONF_DIR", hadoopConf.toString(), "HDFS_SECRET_DIR", "/nonexistent"),
        cluster.rpcUri() + "/sums/");
  }

  @Test
  void rpcCompositeCrc() throws Exception {
    check(
        Map.of("HADOOP_CONF_DIR", compositeConf.toString(), "HDFS_SECRET_DIR", "/nonexistent"),
        cluster.rpcUri() + "/sums/");
  }

  private void check(Map<String, String> env, String prefix) throws Exception {
    try (StorageClient client = new HdfsStorageProvider().open(new TestProviderContext(env))) {
      for (String name : new String[] {"one-block.bin", "three-blocks.bin", "five-blocks.bin"}) {
        RemoteObject object = client.list(prefix + name).objects().get(0);
        Path file = tmp.resolve(name);
        try (InputStream in = client.read(object, 0, -1)) {
          Files.copy(in, file);
        }
        client.verify(object, file);

        byte[] changed = Files.readAllBytes(file);
        changed[changed.length - 2] ^= 1;
        Files.write(file, changed);
        assertThatThrownBy(() -> client.verify(object, file))
            .isInstanceOf(StorageException.class)
            .hasMessageContaining(name + " does not match HDFS's")
            .satisfies(
                e ->
                    assertThat(((StorageException) e).kind())
                        .isEqualTo(StorageException.Kind.INTEGRITY));
        Files.delete(file);
      }
    }
  }
}
