package io.storageinit.hdfs;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * A real HDFS for tests, without Docker: a NameNode and a DataNode (MiniDFSCluster) in this JVM on
 * 127.0.0.1, with WebHDFS on. Files are written with Hadoop's own client.
 */
public final class TestHdfsCluster implements AutoCloseable {
  private final MiniDFSCluster cluster;
  private final FileSystem fs;
  private final Path base;

  private TestHdfsCluster(Path base) throws Exception {
    this.base = base;
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.resolve("dfs").toString());
    conf.set("dfs.namenode.http-address", "127.0.0.1:0");
    conf.set("dfs.datanode.address", "127.0.0.1:0");
    conf.set("dfs.datanode.http.address", "127.0.0.1:0");
    conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    conf.setBoolean("dfs.webhdfs.enabled", true);
    conf.setBoolean("dfs.permissions.enabled", true);
    conf.set("hadoop.proxyuser." + System.getProperty("user.name") + ".hosts", "*");
    conf.set("hadoop.proxyuser." + System.getProperty("user.name") + ".groups", "*");
    this.cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    cluster.waitActive();
    this.fs = cluster.getFileSystem();
  }

  public static TestHdfsCluster start(Path base) throws Exception {
    return new TestHdfsCluster(base);
  }

  /** KServe's HDFS_NAMENODE: the WebHDFS address. */
  public String webhdfsAddress() {
    return "http://127.0.0.1:" + cluster.getNameNode().getHttpAddress().getPort();
  }

  /** The NameNode's RPC URI, for the native client. */
  public String rpcUri() {
    return "hdfs://127.0.0.1:" + cluster.getNameNodePort();
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

  /** A HADOOP_CONF_DIR whose core-site.xml points at this NameNode over RPC. */
  public Path hadoopConfDir() throws Exception {
    Path dir = Files.createDirectories(base.resolve("hadoop-conf"));
    Files.writeString(
        dir.resolve("core-site.xml"),
        "<configuration><property><name>fs.defaultFS</name><value>"
            + rpcUri()
            + "</value></property></configuration>\n");
    return dir;
  }

  @Override
  public void close() throws Exception {
    fs.close();
    cluster.shutdown();
  }
}
