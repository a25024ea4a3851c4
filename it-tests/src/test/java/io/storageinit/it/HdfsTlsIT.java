package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.storageinit.hdfs.TestHdfsCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WebHDFS over HTTPS (NameNode and DataNode with HTTPS_ONLY, in this JVM) with KServe's TLS keys:
 * TLS_CA, TLS_SKIP_VERIFY, and a cluster that requires the TLS_CERT/TLS_KEY client certificate.
 */
class HdfsTlsIT {
  @TempDir static Path base;
  static TestCertificates certs;
  static TestCertificates.Client reader;
  static TestHdfsCluster hdfs;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    certs = TestCertificates.create(Files.createDirectories(base.resolve("certs")));
    reader = certs.client(base.resolve("certs"), "model-reader");
    hdfs =
        TestHdfsCluster.startHttps(
            base.resolve("hdfs"),
            new TestHdfsCluster.Tls(
                certs.keystore(), certs.password(), Optional.of(reader.truststore())));
    hdfs.put("/tls/model.bin", "over https".getBytes());
    hdfs.put("/tls/dir/config.json", "{}".getBytes());
  }

  @AfterAll
  static void stop() throws Exception {
    hdfs.close();
  }

  private Path secrets(Map<String, Path> files, Map<String, String> values) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("kserve-hdfscreds"));
    Files.writeString(dir.resolve("HDFS_NAMENODE"), hdfs.webhdfsAddress());
    for (var e : files.entrySet()) {
      Files.copy(e.getValue(), dir.resolve(e.getKey()));
    }
    for (var e : values.entrySet()) {
      Files.writeString(dir.resolve(e.getKey()), e.getValue());
    }
    return dir;
  }

  /** Runs the command with {@code secrets} as KServe's HDFS secret directory, into tmp/out. */
  private Cli.Result fetch(Path secrets, String uri) throws Exception {
    return Cli.run(
        Map.of("HDFS_SECRET_DIR", secrets.toString()), uri, tmp.resolve("out").toString());
  }

  @Test
  void theClientCertificateAndTheCaFromTheSecretDirectoryFetchTheModel() throws Exception {
    assertThat(hdfs.webhdfsAddress()).startsWith("https://");
    Path dir =
        secrets(
            Map.of(
                "TLS_CA", certs.pem(), "TLS_CERT", reader.certificate(), "TLS_KEY", reader.key()),
            Map.of());
    for (String scheme : new String[] {"hdfs", "webhdfs"}) {
      Path dest = tmp.resolve(scheme);
      Cli.Result r =
          Cli.run(
              Map.of("HDFS_SECRET_DIR", dir.toString()),
              scheme + "://tls/model.bin",
              dest.toString());
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(dest.resolve("model.bin")).hasContent("over https");
    }
  }

  @Test
  void withoutTheCaTheNameNodeCertificateIsRefusedWithWhatToSet() throws Exception {
    Path dir = secrets(Map.of("TLS_CERT", reader.certificate(), "TLS_KEY", reader.key()), Map.of());
    Path dest = tmp.resolve("out");
    Cli.Result r = fetch(dir, "hdfs://tls/model.bin");
    assertThat(r.exitCode()).as(r.output()).isEqualTo(2);
    assertThat(r.output()).contains("TLS with").contains("TLS_CA").contains("system CAs only");
    assertThat(dest).isEmptyDirectory();
  }

  @Test
  void withoutAClientCertificateACertificateDemandingClusterRefuses() throws Exception {
    Path dir = secrets(Map.of("TLS_CA", certs.pem()), Map.of());
    Cli.Result r = fetch(dir, "hdfs://tls/model.bin");
    assertThat(r.exitCode()).as(r.output()).isNotZero();
    assertThat(r.output()).contains("client certificate: none");
  }

  @Test
  void skipVerifyAcceptsTheUnknownCertificate() throws Exception {
    Path dir =
        secrets(
            Map.of("TLS_CERT", reader.certificate(), "TLS_KEY", reader.key()),
            Map.of("TLS_SKIP_VERIFY", "True"));
    Path dest = tmp.resolve("out");
    Cli.Result r = fetch(dir, "hdfs://tls/dir");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(dest.resolve("config.json")).hasContent("{}");
  }

  @Test
  void storageConfigCarriesTheTlsMaterialAsBase64() throws Exception {
    Base64.Encoder b64 = Base64.getEncoder();
    String config =
        "{\"type\":\"webhdfs\",\"HDFS_NAMENODE\":\""
            + hdfs.webhdfsAddress()
            + "\",\"TLS_CA\":\""
            + b64.encodeToString(Files.readAllBytes(certs.pem()))
            + "\",\"TLS_CERT\":\""
            + b64.encodeToString(Files.readAllBytes(reader.certificate()))
            + "\",\"TLS_KEY\":\""
            + b64.encodeToString(Files.readAllBytes(reader.key()))
            + "\"}";
    Path dest = tmp.resolve("out");
    Cli.Result r =
        Cli.run(Map.of("STORAGE_CONFIG", config), "webhdfs://tls/model.bin", dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(dest.resolve("model.bin")).hasContent("over https");
    String keyBase64 = b64.encodeToString(Files.readAllBytes(reader.key()));
    assertThat(r.output()).doesNotContain(keyBase64.substring(0, 40));
  }

  @Test
  void aCaFileThatHoldsNoCertificateIsNamedInTheError() throws Exception {
    Path dir = secrets(Map.of(), Map.of("TLS_CA", "not a certificate"));
    Cli.Result r = fetch(dir, "hdfs://tls/model.bin");
    assertThat(r.exitCode()).as(r.output()).isEqualTo(2);
    assertThat(r.output())
        .contains("Cannot set up TLS with the CA bundle " + dir.resolve("TLS_CA"));
  }

  @Test
  void aBadSkipVerifyValueIsAConfigurationError() throws Exception {
    Path dir = secrets(Map.of(), Map.of("TLS_SKIP_VERIFY", "maybe"));
    Cli.Result r = fetch(dir, "hdfs://tls/model.bin");
    assertThat(r.exitCode()).as(r.output()).isEqualTo(2);
    assertThat(r.output()).contains("TLS_SKIP_VERIFY").contains("must be true or false");
  }
}
