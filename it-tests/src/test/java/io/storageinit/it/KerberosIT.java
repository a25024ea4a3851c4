package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.storageinit.hdfs.TestHdfsCluster;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.hadoop.minikdc.MiniKdc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kerberos against a real KDC (Hadoop's MiniKdc): a fully Kerberized NameNode and DataNode (SPNEGO
 * for WebHDFS, SASL-protected block transfers, HTTPS only), reached with the keytab from KServe's
 * secret layout over WebHDFS and over native RPC; and a Kerberos client facing a cluster that does
 * not ask for Kerberos.
 */
class KerberosIT {
  @TempDir static Path base;
  static MiniKdc kdc;
  static String reader;
  static Path readerKeytab;

  @TempDir Path tmp;

  @BeforeAll
  static void startKdc() throws Exception {
    Properties conf = MiniKdc.createConf();
    conf.setProperty(MiniKdc.KDC_BIND_ADDRESS, "127.0.0.1");
    kdc = new MiniKdc(conf, Files.createDirectories(base.resolve("kdc")).toFile());
    kdc.start();
    readerKeytab = base.resolve("reader.keytab");
    kdc.createPrincipal(readerKeytab.toFile(), "modelreader");
    reader = "modelreader@" + kdc.getRealm();
  }

  @AfterAll
  static void stopKdc() {
    kdc.stop();
  }

  private Map<String, String> env(Path secrets) {
    Map<String, String> env = new HashMap<>();
    env.put("HDFS_SECRET_DIR", secrets.toString());
    env.put("JAVA_OPTS", "-Djava.security.krb5.conf=" + kdc.getKrb5conf().getAbsolutePath());
    return env;
  }

  private Path secrets(String name, Map<String, String> values, boolean withKeytab)
      throws Exception {
    Path dir = Files.createDirectories(tmp.resolve(name));
    for (var e : values.entrySet()) {
      Files.writeString(dir.resolve(e.getKey()), e.getValue());
    }
    if (withKeytab) {
      Files.writeString(dir.resolve("KERBEROS_PRINCIPAL"), reader);
      Files.copy(readerKeytab, dir.resolve("KERBEROS_KEYTAB"));
    }
    return dir;
  }

  @Test
  void aKerberizedClusterServesTheModelOverWebHdfsAndRpc() throws Exception {
    Path certDir = Files.createDirectories(tmp.resolve("certs"));
    TestCertificates certs = TestCertificates.create(certDir);
    File serviceKeytab = tmp.resolve("hdfs.keytab").toFile();
    kdc.createPrincipal(serviceKeytab, "hdfs/localhost", "HTTP/localhost");
    try (TestHdfsCluster hdfs =
        TestHdfsCluster.startKerberized(
            tmp.resolve("hdfs"),
            new TestHdfsCluster.Tls(certs.keystore(), certs.password(), Optional.empty()),
            new TestHdfsCluster.Kerberos(
                "hdfs/localhost@" + kdc.getRealm(),
                "HTTP/localhost@" + kdc.getRealm(),
                serviceKeytab.toPath()))) {
      hdfs.put("/secure/model/config.json", "{\"kerberized\": true}".getBytes());
      hdfs.put("/secure/model/weights.bin", HdfsIT.random(3 << 20));

      // WebHDFS: SPNEGO with the keytab's ticket, then the DataNode with a delegation token.
      Path secrets =
          secrets(
              "webhdfs",
              Map.of(
                  "HDFS_NAMENODE", hdfs.webhdfsAddress(), "TLS_CA", Files.readString(certs.pem())),
              true);
      for (String scheme : new String[] {"hdfs", "webhdfs"}) {
        Path dest = tmp.resolve("out-" + scheme);
        Cli.Result r = Cli.run(env(secrets), scheme + "://secure/model", dest.toString());
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(dest.resolve("config.json")).hasContent("{\"kerberized\": true}");
        assertThat(dest.resolve("weights.bin")).hasSize(3 << 20);
      }

      // Native RPC with the cluster's client configuration: SASL on the NameNode and the blocks.
      Path rpcSecrets = secrets("rpc", Map.of(), true);
      Map<String, String> rpc = env(rpcSecrets);
      rpc.put("HADOOP_CONF_DIR", hdfs.hadoopConfDir().toString());
      Path viaRpc = tmp.resolve("out-rpc");
      Cli.Result r = Cli.run(rpc, hdfs.rpcUri() + "/secure/model", viaRpc.toString());
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(viaRpc.resolve("weights.bin")).hasSize(3 << 20);

      // Without a keytab the cluster refuses, and the error says so.
      Path anonymous =
          secrets(
              "anonymous",
              Map.of(
                  "HDFS_NAMENODE", hdfs.webhdfsAddress(), "TLS_CA", Files.readString(certs.pem())),
              false);
      Path refusedDest = tmp.resolve("out-refused");
      Cli.Result refused = Cli.run(env(anonymous), "hdfs://secure/model", refusedDest.toString());
      assertThat(refused.exitCode()).as(refused.output()).isEqualTo(3);
      assertThat(refused.output())
          .contains("requires Kerberos")
          .contains("put KERBEROS_PRINCIPAL and KERBEROS_KEYTAB in " + anonymous);
      assertThat(refusedDest).isEmptyDirectory();
    }
  }

  @Test
  void aKerberosClientRefusesAnInsecureClusterUnlessHadoopIsToldToFallBack() throws Exception {
    try (TestHdfsCluster hdfs = TestHdfsCluster.start(tmp.resolve("hdfs"))) {
      hdfs.put("/kerberos/model.bin", "kerberized".getBytes());
      Path secrets = secrets("plain", Map.of("HDFS_NAMENODE", hdfs.webhdfsAddress()), true);

      // The login succeeds; a Kerberos client then refuses a NameNode that does not ask for it.
      Cli.Result refused =
          Cli.run(env(secrets), "hdfs://kerberos/model.bin", tmp.resolve("refused").toString());
      assertThat(refused.exitCode()).as(refused.output()).isEqualTo(3);
      assertThat(refused.output())
          .contains("as " + reader)
          .contains("only allow connecting to secure cluster");

      // Allowed explicitly (Hadoop's own switch, in HADOOP_CONF_DIR), the model is fetched.
      Path hadoopConf = Files.createDirectories(tmp.resolve("hadoop-conf"));
      Files.writeString(
          hadoopConf.resolve("core-site.xml"),
          "<configuration><property><name>ipc.client.fallback-to-simple-auth-allowed</name>"
              + "<value>true</value></property></configuration>\n");
      Map<String, String> withFallback = env(secrets);
      withFallback.put("HADOOP_CONF_DIR", hadoopConf.toString());
      Path dest = tmp.resolve("out");
      Cli.Result r = Cli.run(withFallback, "hdfs://kerberos/model.bin", dest.toString());
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(dest.resolve("model.bin")).hasContent("kerberized");
    }
  }
}
