package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.storageinit.hdfs.TestHdfsCluster;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.hadoop.minikdc.MiniKdc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A keytab login against a real KDC (Hadoop's MiniKdc) from KServe's secret layout, then the
 * download. The NameNode here is not Kerberized, so this proves the login and the identity the
 * client acts as, not a SPNEGO exchange with the NameNode.
 */
class KerberosIT {
  @TempDir Path tmp;

  @Test
  void aKeytabFromTheSecretDirectoryLogsInAndTheModelIsFetched() throws Exception {
    Properties conf = MiniKdc.createConf();
    conf.setProperty(MiniKdc.KDC_BIND_ADDRESS, "127.0.0.1");
    MiniKdc kdc = new MiniKdc(conf, Files.createDirectories(tmp.resolve("kdc")).toFile());
    kdc.start();
    try (TestHdfsCluster hdfs = TestHdfsCluster.start(tmp.resolve("hdfs"))) {
      File keytab = tmp.resolve("reader.keytab").toFile();
      kdc.createPrincipal(keytab, "modelreader");
      String principal = "modelreader@" + kdc.getRealm();
      hdfs.put("/kerberos/model.bin", "kerberized".getBytes());
      Path secrets = Files.createDirectories(tmp.resolve("kserve-hdfscreds"));
      Files.writeString(secrets.resolve("HDFS_NAMENODE"), hdfs.webhdfsAddress());
      Files.writeString(secrets.resolve("KERBEROS_PRINCIPAL"), principal);
      Files.copy(keytab.toPath(), secrets.resolve("KERBEROS_KEYTAB"));
      Map<String, String> env =
          Map.of(
              "HDFS_SECRET_DIR",
              secrets.toString(),
              "JAVA_OPTS",
              "-Djava.security.krb5.conf=" + kdc.getKrb5conf().getAbsolutePath());

      // The login succeeds; a Kerberos client then refuses a NameNode that does not ask for
      // Kerberos.
      Cli.Result refused =
          Cli.run(env, "hdfs://kerberos/model.bin", tmp.resolve("refused").toString());
      assertThat(refused.exitCode()).as(refused.output()).isEqualTo(3);
      assertThat(refused.output())
          .contains("as " + principal)
          .contains("only allow connecting to secure cluster");

      // Allowed explicitly (Hadoop's own switch, in HADOOP_CONF_DIR), the model is fetched.
      Path hadoopConf = Files.createDirectories(tmp.resolve("hadoop-conf"));
      Files.writeString(
          hadoopConf.resolve("core-site.xml"),
          "<configuration><property><name>ipc.client.fallback-to-simple-auth-allowed</name>"
              + "<value>true</value></property></configuration>\n");
      Map<String, String> withFallback = new java.util.HashMap<>(env);
      withFallback.put("HADOOP_CONF_DIR", hadoopConf.toString());
      Path dest = tmp.resolve("out");
      Cli.Result r = Cli.run(withFallback, "hdfs://kerberos/model.bin", dest.toString());
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(dest.resolve("model.bin")).hasContent("kerberized");
    } finally {
      kdc.stop();
    }
  }
}
