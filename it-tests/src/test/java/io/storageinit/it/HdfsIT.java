package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;
import io.storageinit.hdfs.TestHdfsCluster;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real command against a real NameNode and DataNode (MiniDFSCluster in this JVM, no Docker).
 */
class HdfsIT {
  @TempDir static Path base;
  static TestHdfsCluster hdfs;
  static Path secrets;

  @TempDir Path tmp;
  Path dest;
  String root;

  @BeforeAll
  static void start() throws Exception {
    hdfs = TestHdfsCluster.start(base);
    secrets = hdfs.secretDir("kserve-hdfscreds", Map.of("HDFS_NAMENODE", hdfs.webhdfsAddress()));
  }

  @AfterAll
  static void stop() throws Exception {
    hdfs.close();
  }

  @BeforeEach
  void fresh() {
    root = "models-" + UUID.randomUUID().toString().substring(0, 8);
    dest = tmp.resolve("mnt/models");
  }

  Map<String, String> env() {
    return Map.of("HDFS_SECRET_DIR", secrets.toString());
  }

  static byte[] random(int size) {
    byte[] b = new byte[size];
    new Random(size).nextBytes(b);
    return b;
  }

  @Test
  void aFileLandsUnderItsBaseNameOverBothSchemes() throws Exception {
    byte[] data = random(100_000);
    hdfs.put(root + "/iris/model.joblib", data);
    for (String scheme : new String[] {"hdfs", "webhdfs"}) {
      Path out = dest.resolve(scheme);
      Cli.Result r = Cli.run(env(), scheme + "://" + root + "/iris/model.joblib", out.toString());
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(Cli.tree(out)).containsExactly(Map.entry("model.joblib", "file 100000"));
      assertThat(Files.readAllBytes(out.resolve("model.joblib"))).isEqualTo(data);
    }
  }

  @Test
  void aDirectoryLandsAsItsContentsWithNestedDirectories() throws Exception {
    hdfs.put(root + "/m/config.json", "{}".getBytes());
    hdfs.put(root + "/m/weights/part-0", random(1000));
    hdfs.put(root + "/m/weights/deep/part-1", random(2000));
    Cli.Result r = Cli.run(env(), "hdfs://" + root + "/m", dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest))
        .containsExactlyEntriesOf(
            new TreeMap<>(
                Map.of(
                    "config.json", "file 2",
                    "weights", "dir",
                    "weights/part-0", "file 1000",
                    "weights/deep", "dir",
                    "weights/deep/part-1", "file 2000")));
  }

  @Test
  void aLargeFileIsReadInParallelRanges() throws Exception {
    byte[] data = random(9 * 1024 * 1024 + 5);
    hdfs.put(root + "/big/model.bin", data);
    Map<String, String> env = new HashMap<>(env());
    env.put("STORAGE_PART_SIZE", "1MiB");
    env.put("STORAGE_LOG_LEVEL", "debug");
    Cli.Result r = Cli.run(env, "hdfs://" + root + "/big/model.bin", dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(data);
    // Ten 1 MiB blocks: the assembled ranges match the DataNode's MD5-of-MD5-of-CRC32C.
    assertThat(r.output()).contains("1 files matched HDFS's checksums");

    Map<String, String> unchecked = new HashMap<>(env());
    unchecked.put("HDFS_VERIFY_CHECKSUM", "false");
    Path again = tmp.resolve("unchecked");
    Cli.Result u = Cli.run(unchecked, "hdfs://" + root + "/big/model.bin", again.toString());
    assertThat(u.exitCode()).as(u.output()).isZero();
    assertThat(u.output()).doesNotContain("matched HDFS's checksums");
  }

  @Test
  void aSingleArchiveIsUnpacked() throws Exception {
    Path tgz =
        TestArchives.tar(tmp.resolve("m.tgz"), Map.of("model/a.txt", "a", "model/b.txt", "bb"));
    hdfs.put(root + "/packed/m.tgz", Files.readAllBytes(tgz));
    Cli.Result r = Cli.run(env(), "hdfs://" + root + "/packed", dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest)).containsOnlyKeys("model", "model/a.txt", "model/b.txt");
  }

  @Test
  void aMissingPathIsNotFound() throws Exception {
    Cli.Result r = Cli.run(env(), "hdfs://" + root + "/nothing", dest.toString());
    assertThat(r.exitCode()).isEqualTo(4);
    assertThat(r.output()).contains("no such file or directory");
  }

  @Test
  void hdfsRootPathMakesUriPathsRelative() throws Exception {
    hdfs.put(root + "/rel/model.bin", "relative".getBytes());
    Path dir =
        hdfs.secretDir(
            "rooted-" + root,
            Map.of("HDFS_NAMENODE", hdfs.webhdfsAddress(), "HDFS_ROOTPATH", "/" + root));
    Cli.Result r =
        Cli.run(Map.of("HDFS_SECRET_DIR", dir.toString()), "hdfs://rel/model.bin", dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(dest.resolve("model.bin")).hasContent("relative");
  }

  @Test
  void permissionsAreEnforcedForTheProxyUser() throws Exception {
    hdfs.put(root + "/private/model.bin", "secret".getBytes());
    hdfs.chmod("/" + root + "/private", (short) 0700);
    Path dir =
        hdfs.secretDir(
            "stranger-" + root,
            Map.of("HDFS_NAMENODE", hdfs.webhdfsAddress(), "USER_PROXY", "stranger"));
    Cli.Result r =
        Cli.run(
            Map.of("HDFS_SECRET_DIR", dir.toString()),
            "hdfs://" + root + "/private/model.bin",
            dest.toString());
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.output()).contains("permission denied").contains("stranger");
  }

  @Test
  void storageConfigOfTypeHdfsIsWrittenAsASecretDirectory() throws Exception {
    hdfs.put(root + "/sc/model.bin", "from storage config".getBytes());
    String config =
        "{\"type\":\"hdfs\",\"HDFS_NAMENODE\":\""
            + hdfs.webhdfsAddress()
            + "\",\"USER_PROXY\":\""
            + System.getProperty("user.name")
            + "\",\"TLS_CA\":\""
            + Base64.getEncoder().encodeToString("not used over http".getBytes())
            + "\"}";
    Cli.Result r =
        Cli.run(
            Map.of("STORAGE_CONFIG", config, "HDFS_SECRET_DIR", "/nonexistent"),
            "webhdfs://" + root + "/sc/model.bin",
            dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(dest.resolve("model.bin")).hasContent("from storage config");
  }

  @Test
  void aFailedKerberosLoginIsAnAccessErrorThatNeverShowsTheKeytab() throws Exception {
    String keytab = Base64.getEncoder().encodeToString("not-a-real-keytab-0123456789".getBytes());
    String config =
        "{\"type\":\"hdfs\",\"HDFS_NAMENODE\":\""
            + hdfs.webhdfsAddress()
            + "\",\"KERBEROS_PRINCIPAL\":\"svc/model@EXAMPLE.COM\",\"KERBEROS_KEYTAB\":\""
            + keytab
            + "\"}";
    Cli.Result r =
        Cli.run(Map.of("STORAGE_CONFIG", config), "hdfs://" + root + "/m", dest.toString());
    assertThat(r.exitCode()).as(r.output()).isEqualTo(3);
    assertThat(r.output())
        .contains("Kerberos login failed for svc/model@EXAMPLE.COM")
        .doesNotContain(keytab);
  }

  @Test
  void withoutANameNodeTheErrorSaysWhatToSet() throws Exception {
    Cli.Result r =
        Cli.run(Map.of("HDFS_SECRET_DIR", tmp.toString()), "hdfs://x/model", dest.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.output()).contains("HDFS_NAMENODE").contains("HADOOP_CONF_DIR");
  }

  @Test
  void hadoopConfigurationServesNativeUris() throws Exception {
    hdfs.put(root + "/native/model.bin", "over rpc".getBytes());
    Cli.Result r =
        Cli.run(
            Map.of(
                "HADOOP_CONF_DIR",
                hdfs.hadoopConfDir().toString(),
                "HDFS_SECRET_DIR",
                "/nonexistent"),
            hdfs.rpcUri() + "/" + root + "/native/model.bin",
            dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(dest.resolve("model.bin")).hasContent("over rpc");
  }

  @Test
  void headersFromTheSecretGoOnEveryWebHdfsRequestAndNeverIntoTheLog() throws Exception {
    hdfs.put(root + "/h/model.bin", "with headers".getBytes());
    hdfs.put(root + "/h/sub/extra.bin", "more".getBytes());
    try (RecordingProxy proxy = new RecordingProxy(hdfs.webhdfsAddress())) {
      Path dir =
          hdfs.secretDir(
              "headers-" + root,
              Map.of(
                  "HDFS_NAMENODE",
                  proxy.address(),
                  "HEADERS",
                  "{\"X-Gateway-Token\": \"t0ken-4711\", \"X-Tenant\": \"models\"}"));
      Cli.Result r =
          Cli.run(
              Map.of("HDFS_SECRET_DIR", dir.toString()), "hdfs://" + root + "/h", dest.toString());
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(dest.resolve("model.bin")).hasContent("with headers");
      assertThat(dest.resolve("sub/extra.bin")).hasContent("more");
      assertThat(proxy.requests()).hasSizeGreaterThanOrEqualTo(3);
      assertThat(proxy.requests())
          .allSatisfy(
              h -> {
                assertThat(h.getFirst("X-Gateway-Token")).isEqualTo("t0ken-4711");
                assertThat(h.getFirst("X-Tenant")).isEqualTo("models");
              });
      assertThat(r.output()).doesNotContain("t0ken-4711");
    }
  }

  @Test
  void headersThatAreNotAJsonObjectAreAConfigurationErrorThatDoesNotEchoThem() throws Exception {
    Path dir =
        hdfs.secretDir(
            "bad-headers-" + root,
            Map.of("HDFS_NAMENODE", hdfs.webhdfsAddress(), "HEADERS", "Bearer s3cr3t-value"));
    Cli.Result r =
        Cli.run(
            Map.of("HDFS_SECRET_DIR", dir.toString()), "hdfs://" + root + "/x", dest.toString());
    assertThat(r.exitCode()).as(r.output()).isEqualTo(2);
    assertThat(r.output()).contains("HEADERS").contains("JSON object").doesNotContain("s3cr3t");
  }

  /**
   * A reverse proxy in front of the real NameNode that records each request's headers and passes
   * requests and answers (redirects to the DataNode included) through unchanged.
   */
  static final class RecordingProxy implements AutoCloseable {
    private final HttpServer server;
    private final List<Headers> requests = new CopyOnWriteArrayList<>();

    RecordingProxy(String target) throws Exception {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext(
          "/",
          exchange -> {
            requests.add(exchange.getRequestHeaders());
            HttpURLConnection c =
                (HttpURLConnection)
                    URI.create(target + exchange.getRequestURI()).toURL().openConnection();
            c.setInstanceFollowRedirects(false);
            c.setRequestMethod(exchange.getRequestMethod());
            int status = c.getResponseCode();
            byte[] body;
            try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
              body = in == null ? new byte[0] : in.readAllBytes();
            }
            c.getHeaderFields()
                .forEach(
                    (k, v) -> {
                      if (k != null
                          && !k.equalsIgnoreCase("Transfer-Encoding")
                          && !k.equalsIgnoreCase("Content-Length")) {
                        exchange.getResponseHeaders().put(k, v);
                      }
                    });
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
          });
      server.start();
    }

    String address() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Headers> requests() {
      return requests;
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
