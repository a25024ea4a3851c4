package io.storageinit.hdfs;

import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.security.UserGroupInformation;

/**
 * A real HDFS for tests, without Docker: a NameNode and a DataNode (MiniDFSCluster) in this JVM on
 * 127.0.0.1, with WebHDFS on. Files are written with Hadoop's own client.
 */
public final class TestHdfsCluster implements AutoCloseable {
  private final MiniDFSCluster cluster;
  private final FileSystem fs;
  private final Path base;

  private final boolean https;

  /**
   * WebHDFS over TLS for a test: the server's key in a PKCS12 store and, when client certificates
   * are required, a PKCS12 store of the client certificates the server trusts.
   */
  public record Tls(Path keystore, String password, Optional<Path> clientTruststore) {}

  /**
   * A Kerberized cluster: the NameNode and DataNode log in as {@code service} (e.g. {@code
   * hdfs/localhost@REALM}), WebHDFS authenticates with SPNEGO as {@code spnego} ({@code
   * HTTP/localhost@REALM}); both principals are in {@code keytab}. Block transfers use SASL
   * (dfs.data.transfer.protection=authentication), which Hadoop allows only with HTTPS_ONLY.
   */
  public record Kerberos(String service, String spnego, Path keytab) {}

  private final Optional<Kerberos> kerberos;

  private TestHdfsCluster(Path base, Optional<Tls> tls) throws Exception {
    this(base, tls, Optional.empty());
  }

  private TestHdfsCluster(Path base, Optional<Tls> tls, Optional<Kerberos> kerberos)
      throws Exception {
    this.base = base;
    this.https = tls.isPresent();
    this.kerberos = kerberos;
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.resolve("dfs").toString());
    conf.set("dfs.namenode.http-address", "127.0.0.1:0");
    conf.set("dfs.datanode.address", "127.0.0.1:0");
    conf.set("dfs.datanode.http.address", "127.0.0.1:0");
    conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    conf.setBoolean("dfs.webhdfs.enabled", true);
    // Small blocks, so a few MiB already span several (as a model's shards do on a real cluster).
    conf.setLong("dfs.blocksize", 1024 * 1024);
    conf.setBoolean("dfs.permissions.enabled", true);
    conf.set("hadoop.proxyuser." + System.getProperty("user.name") + ".hosts", "*");
    conf.set("hadoop.proxyuser." + System.getProperty("user.name") + ".groups", "*");
    ClassLoader previous = Thread.currentThread().getContextClassLoader();
    URLClassLoader sslConf = null;
    if (tls.isPresent()) {
      // Hadoop reads ssl-server.xml from the class path only: put a folder holding it there.
      Path dir = Files.createDirectories(base.resolve("ssl-conf"));
      Files.writeString(dir.resolve("ssl-server.xml"), sslServerXml(tls.get()));
      sslConf = new URLClassLoader(new URL[] {dir.toUri().toURL()}, previous);
      conf.set("dfs.http.policy", "HTTPS_ONLY");
      conf.set("dfs.namenode.https-address", "127.0.0.1:0");
      conf.set("dfs.datanode.https.address", "127.0.0.1:0");
      conf.set("hadoop.ssl.server.conf", "ssl-server.xml");
      conf.set("dfs.https.server.keystore.resource", "ssl-server.xml");
      conf.setBoolean("dfs.client.https.need-auth", tls.get().clientTruststore().isPresent());
      Thread.currentThread().setContextClassLoader(sslConf);
    }
    if (kerberos.isPresent()) {
      Kerberos k = kerberos.get();
      conf.set("hadoop.security.authentication", "kerberos");
      conf.setBoolean("hadoop.security.authorization", true);
      conf.set("dfs.namenode.kerberos.principal", k.service());
      conf.set("dfs.namenode.keytab.file", k.keytab().toString());
      conf.set("dfs.datanode.kerberos.principal", k.service());
      conf.set("dfs.datanode.keytab.file", k.keytab().toString());
      conf.set("dfs.web.authentication.kerberos.principal", k.spnego());
      conf.set("dfs.web.authentication.kerberos.keytab", k.keytab().toString());
      // Hadoop 3.3+: WebHDFS's SPNEGO filter comes from the HTTP filter initializers.
      conf.set(
          "hadoop.http.filter.initializers", "org.apache.hadoop.hdfs.web.AuthFilterInitializer");
      conf.set("hadoop.http.authentication.type", "kerberos");
      conf.set("hadoop.http.authentication.kerberos.principal", k.spnego());
      conf.set("hadoop.http.authentication.kerberos.keytab", k.keytab().toString());
      conf.setBoolean("dfs.block.access.token.enable", true);
      conf.set("dfs.data.transfer.protection", "authentication");
      conf.set("dfs.datanode.hostname", "localhost");
      conf.set("dfs.namenode.https-address", "localhost:0");
      conf.set("dfs.datanode.https.address", "localhost:0");
      conf.set("dfs.namenode.rpc-address", "localhost:0");
      conf.set("dfs.datanode.address", "localhost:0");
      conf.set("dfs.datanode.ipc.address", "localhost:0");
      conf.set("hadoop.proxyuser.hdfs.hosts", "*");
      conf.set("hadoop.proxyuser.hdfs.groups", "*");
      UserGroupInformation.setConfiguration(conf);
      UserGroupInformation.loginUserFromKeytab(k.service(), k.keytab().toString());
    }
    try {
      this.cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
      cluster.waitActive();
    } finally {
      Thread.currentThread().setContextClassLoader(previous);
    }
    this.fs = cluster.getFileSystem();
  }

  private static String sslServerXml(Tls tls) {
    StringBuilder xml = new StringBuilder("<configuration>\n");
    BiConsumer<String, String> property =
        (k, v) ->
            xml.append("<property><name>")
                .append(k)
                .append("</name><value>")
                .append(v)
                .append("</value></property>\n");
    property.accept("ssl.server.keystore.location", tls.keystore().toString());
    property.accept("ssl.server.keystore.password", tls.password());
    property.accept("ssl.server.keystore.keypassword", tls.password());
    property.accept("ssl.server.keystore.type", "pkcs12");
    tls.clientTruststore()
        .ifPresent(
            trust -> {
              property.accept("ssl.server.truststore.location", trust.toString());
              property.accept("ssl.server.truststore.password", tls.password());
              property.accept("ssl.server.truststore.type", "pkcs12");
            });
    return xml.append("</configuration>\n").toString();
  }

  public static TestHdfsCluster start(Path base) throws Exception {
    return new TestHdfsCluster(base, Optional.empty());
  }

  /**
   * A Kerberized cluster over HTTPS only. Kerberos settings are global to a JVM in Hadoop: close it
   * before starting another cluster in the same JVM.
   */
  public static TestHdfsCluster startKerberized(Path base, Tls tls, Kerberos kerberos)
      throws Exception {
    return new TestHdfsCluster(base, Optional.of(tls), Optional.of(kerberos));
  }

  /** A cluster whose NameNode and DataNode speak WebHDFS over HTTPS only. */
  public static TestHdfsCluster startHttps(Path base, Tls tls) throws Exception {
    return new TestHdfsCluster(base, Optional.of(tls));
  }

  /** KServe's HDFS_NAMENODE: the WebHDFS address (https:// for a TLS cluster). */
  public String webhdfsAddress() {
    return https
        ? "https://"
            + (kerberos.isPresent() ? "localhost" : "127.0.0.1")
            + ":"
            + cluster.getNameNode().getHttpsAddress().getPort()
        : "http://127.0.0.1:" + cluster.getNameNode().getHttpAddress().getPort();
  }

  /** The NameNode's RPC URI, for the native client. */
  public String rpcUri() {
    return (kerberos.isPresent() ? "hdfs://localhost:" : "hdfs://127.0.0.1:")
        + cluster.getNameNodePort();
  }

  public TestHdfsCluster put(String path, byte[] data) throws Exception {
    try (OutputStream out =
        fs.create(new org.apache.hadoop.fs.Path(path.startsWith("/") ? path : "/" + path))) {
      out.write(data);
    }
    return this;
  }

  public TestHdfsCluster chmod(String path, short mode) throws Exception {
    fs.setPermission(
        new org.apache.hadoop.fs.Path(path),
        new org.apache.hadoop.fs.permission.FsPermission(mode));
    return this;
  }

  /** A KServe-style secret directory with the given files. */
  public Path secretDir(String name, Map<String, String> files) throws Exception {
    Path dir = Files.createDirectories(base.resolve(name));
    for (var e : files.entrySet()) {
      Files.writeString(dir.resolve(e.getKey()), e.getValue());
    }
    return dir;
  }

  /**
   * A HADOOP_CONF_DIR whose core-site.xml points at this NameNode over RPC; for a Kerberized
   * cluster, with the client's security settings (what a cluster's admins hand out).
   */
  public Path hadoopConfDir() throws Exception {
    Path dir = Files.createDirectories(base.resolve("hadoop-conf"));
    String core = property("fs.defaultFS", rpcUri());
    String hdfsSite = "";
    if (kerberos.isPresent()) {
      core += property("hadoop.security.authentication", "kerberos");
      hdfsSite =
          property("dfs.namenode.kerberos.principal", kerberos.get().service())
              + property("dfs.data.transfer.protection", "authentication");
    }
    Files.writeString(
        dir.resolve("core-site.xml"), "<configuration>" + core + "</configuration>\n");
    Files.writeString(
        dir.resolve("hdfs-site.xml"), "<configuration>" + hdfsSite + "</configuration>\n");
    return dir;
  }

  private static String property(String name, String value) {
    return "<property><name>" + name + "</name><value>" + value + "</value></property>";
  }

  @Override
  public void close() throws Exception {
    fs.close();
    cluster.shutdown();
    if (kerberos.isPresent()) {
      UserGroupInformation.reset();
      UserGroupInformation.setConfiguration(new Configuration());
    }
  }
}
