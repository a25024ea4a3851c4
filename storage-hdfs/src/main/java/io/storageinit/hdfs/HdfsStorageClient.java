package io.storageinit.hdfs;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

import io.storageinit.api.Capability;
import io.storageinit.api.Listing;
import io.storageinit.api.RemoteObject;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import java.io.FileNotFoundException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.security.PrivilegedExceptionAction;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocketFactory;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileChecksum;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.web.WebHdfsConnections;
import org.apache.hadoop.hdfs.web.WebHdfsFileSystem;
import org.apache.hadoop.security.AccessControlException;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.security.authentication.client.ConnectionConfigurator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists and reads HDFS through the Hadoop client: WebHDFS when KServe's {@code HDFS_NAMENODE} is
 * given, the client's own configuration otherwise. Every call runs as the configured user (simple
 * auth, Kerberos, or a proxy user). Reads are positional: the runtime fetches large files in
 * parallel ranges. Thread-safe (Hadoop's FileSystem is).
 */
final class HdfsStorageClient implements StorageClient {
  private final HdfsSettings settings;
  private final Configuration conf;
  private final UserGroupInformation ugi;
  private final FileSystem fs;
  private final String where;
  private final AtomicBoolean warnedNoChecksum = new AtomicBoolean();
  private final AtomicLong verified = new AtomicLong();
  private static final Logger LOG = LoggerFactory.getLogger(HdfsStorageClient.class);

  HdfsStorageClient(HdfsSettings settings, Supplier<SSLContext> tls) {
    this.settings = settings;
    this.conf = new Configuration();
    settings
        .hadoopConfDir()
        .ifPresent(
            dir -> {
              for (String f : List.of("core-site.xml", "hdfs-site.xml")) {
                java.nio.file.Path file = dir.resolve(f);
                if (java.nio.file.Files.isRegularFile(file)) {
                  conf.addResource(new Path(file.toUri()));
                }
              }
            });
    URI fsUri = filesystemUri(settings, conf);
    this.where = fsUri.toString();
    this.ugi = login(settings, conf);
    this.fs = as(() -> FileSystem.newInstance(fsUri, conf), "connect to " + where);
    if (fs instanceof WebHdfsFileSystem web) {
      // TLS material only matters (and is only read) for an https NameNode, as in KServe.
      SSLContext ssl = "swebhdfs".equals(fsUri.getScheme()) ? tls.get() : null;
      WebHdfsConnections.use(web, connections(settings, ssl, conf));
    }
  }

  /**
   * WebHDFS connections as KServe's client makes them: HEADERS on every request, TLS with TLS_CA
   * (or the system CAs), the TLS_CERT/TLS_KEY client certificate, or no verification when
   * TLS_SKIP_VERIFY is true; Hadoop's WebHDFS timeouts.
   */
  private static ConnectionConfigurator connections(
      HdfsSettings settings, SSLContext ssl, Configuration conf) {
    int connect =
        (int) conf.getTimeDuration("dfs.webhdfs.socket.connect-timeout", 60_000, MILLISECONDS);
    int read = (int) conf.getTimeDuration("dfs.webhdfs.socket.read-timeout", 60_000, MILLISECONDS);
    SSLSocketFactory sockets = ssl == null ? null : ssl.getSocketFactory();
    return connection -> {
      if (sockets != null && connection instanceof HttpsURLConnection https) {
        https.setSSLSocketFactory(sockets);
        if (settings.tlsSkipVerify()) {
          https.setHostnameVerifier((host, session) -> true);
        }
      }
      connection.setConnectTimeout(connect);
      connection.setReadTimeout(read);
      settings.headers().forEach(connection::setRequestProperty);
      return connection;
    };
  }

  /** webhdfs://host:port for KServe's HDFS_NAMENODE (https: swebhdfs), else fs.defaultFS. */
  private static URI filesystemUri(HdfsSettings s, Configuration conf) {
    if (s.namenode().isPresent()) {
      URI nn =
          URI.create(
              s.namenode().get().contains("://")
                  ? s.namenode().get()
                  : "http://" + s.namenode().get());
      String scheme = "https".equals(nn.getScheme()) ? "swebhdfs" : "webhdfs";
      return URI.create(
          scheme + "://" + nn.getHost() + (nn.getPort() > 0 ? ":" + nn.getPort() : ""));
    }
    if (s.hadoopConfDir().isPresent()) {
      return FileSystem.getDefaultUri(conf);
    }
    throw new StorageException(
        Kind.INVALID_CONFIG,
        "No HDFS NameNode configured: put HDFS_NAMENODE (e.g. http://namenode:9870) in "
            + s.secretDir()
            + " (the kserve-hdfscreds secret), or set HADOOP_CONF_DIR to a folder with core-site.xml");
  }

  private static UserGroupInformation login(HdfsSettings s, Configuration conf) {
    try {
      if (s.principal().isPresent()) {
        conf.set("hadoop.security.authentication", "kerberos");
        UserGroupInformation.setConfiguration(conf);
        UserGroupInformation krb =
            UserGroupInformation.loginUserFromKeytabAndReturnUGI(
                s.principal().get(), s.keytab().get().toString());
        return s.userProxy().isPresent()
            ? UserGroupInformation.createProxyUser(s.userProxy().get(), krb)
            : krb;
      }
      UserGroupInformation.setConfiguration(conf);
      return UserGroupInformation.createRemoteUser(
          s.userProxy().orElse(System.getProperty("user.name", "hdfs")));
    } catch (IOException | RuntimeException e) {
      // Hadoop reports a missing realm (no krb5.conf) as an IllegalArgumentException.
      throw new StorageException(
          Kind.UNAUTHENTICATED,
          "Kerberos login failed for "
              + s.principal().orElse("?")
              + " with the keytab "
              + s.keytab().map(Object::toString).orElse("?")
              + ": "
              + e.getMessage()
              + "; check the principal, the keytab and krb5.conf (KRB5_CONFIG or /etc/krb5.conf)",
          e);
    }
  }

  /** The HDFS path of a URI: KServe's rule with HDFS_NAMENODE, the Hadoop URI otherwise. */
  Path pathOf(String uri) {
    if (settings.namenode().isEmpty()) {
      return new Path(
          URI.create(
              uri.startsWith("webhdfs://") || uri.startsWith("hdfs://") ? uri : "hdfs://" + uri));
    }
    String rest = uri.substring(uri.indexOf("://") + 3);
    if (settings.rootPath().isPresent()) {
      String root = settings.rootPath().get();
      return new Path((root.endsWith("/") ? root : root + "/") + rest);
    }
    return new Path("/" + rest);
  }

  /** The NameNode, the root the URI's path is under, and the TLS trust in the NameNode. */
  @Override
  public Optional<String> storeIdentity() {
    return Optional.of(
        io.storageinit.kit.StoreIdentity.of("hdfs")
            .with("namenode", where)
            .with("root", settings.rootPath())
            .trust(settings.tlsCa(), !settings.tlsSkipVerify())
            .toString());
  }

  @Override
  public Listing list(String uri) {
    Path root = pathOf(uri);
    return as(
        () -> {
          FileStatus status = fs.getFileStatus(root);
          if (status.isFile()) {
            return Listing.ofObject(object(status, status.getPath().getName()));
          }
          Path top = fs.makeQualified(root);
          List<RemoteObject> objects = new ArrayList<>();
          java.util.ArrayDeque<Path> folders = new java.util.ArrayDeque<>();
          java.util.ArrayDeque<String> relatives = new java.util.ArrayDeque<>();
          folders.push(top);
          relatives.push("");
          while (!folders.isEmpty()) {
            Path folder = folders.pop();
            String relative = relatives.pop();
            for (FileStatus child : fs.listStatus(folder)) {
              String name = childName(folder, child.getPath());
              if (child.isDirectory()) {
                folders.push(child.getPath());
                relatives.push(relative + name + "/");
              } else {
                objects.add(object(child, relative + name));
              }
            }
          }
          return Listing.ofTree(objects);
        },
        "list " + uri);
  }

  /**
   * The name of {@code child} in {@code folder}, refusing what a hostile or broken NameNode could
   * list there: a WebHDFS {@code pathSuffix} with a {@code /}, {@code .} or {@code ..} yields a
   * path that is not a direct child of the folder listed (Hadoop resolves it), or an empty name.
   */
  private String childName(Path folder, Path child) {
    Path parent = child.getParent();
    String name = child.getName();
    if (parent == null
        || !parent.toUri().getPath().equals(folder.toUri().getPath())
        || name.isEmpty()
        || name.equals(".")
        || name.equals("..")) {
      throw new StorageException(
          Kind.INTEGRITY,
          "HDFS: the NameNode "
              + where
              + " listed '"
              + child.toUri().getPath()
              + "' as an entry of "
              + folder.toUri().getPath()
              + ", which is not a name inside that folder (a path with '/', '.' or '..'); refusing"
              + " the listing");
    }
    return name;
  }

  private RemoteObject object(FileStatus status, String relative) {
    return RemoteObject.builder(status.getPath().toString(), relative)
        .size(status.getLen())
        .lastModified(Instant.ofEpochMilli(status.getModificationTime()))
        .version(status.getLen() + "-" + status.getModificationTime())
        .build();
  }

  @Override
  public InputStream read(RemoteObject object, long offset, long length) {
    Path path = new Path(URI.create(object.key()));
    return as(
        () -> {
          FSDataInputStream in = fs.open(path);
          if (offset > 0) {
            in.seek(offset);
          }
          return length < 0 ? in : new Bounded(in, length);
        },
        "read " + object.key());
  }

  /** Runs a call as the configured user, mapping Hadoop's failures to the SPI's kinds. */
  private <T> T as(PrivilegedExceptionAction<T> action, String what) {
    try {
      return ugi.doAs(action);
    } catch (FileNotFoundException e) {
      throw StorageException.notFound(
          "HDFS: cannot " + what + ": no such file or directory (NameNode " + where + ")");
    } catch (AccessControlException e) {
      if (settings.principal().isEmpty()
          && String.valueOf(e.getMessage()).contains("Authentication required")) {
        throw new StorageException(
            Kind.UNAUTHENTICATED,
            "HDFS: "
                + where
                + " requires Kerberos ("
                + firstLine(e)
                + "); put KERBEROS_PRINCIPAL and KERBEROS_KEYTAB in "
                + settings.secretDir()
                + " (the kserve-hdfscreds secret) or in STORAGE_CONFIG",
            e);
      }
      throw new StorageException(
          Kind.PERMISSION_DENIED,
          "HDFS: permission denied to " + what + " as " + ugi.getUserName() + ": " + firstLine(e),
          e);
    } catch (SSLException e) {
      throw new StorageException(
          Kind.INVALID_CONFIG,
          "HDFS: TLS with "
              + where
              + " failed ("
              + what
              + "): "
              + e.getMessage()
              + " (CA in use: "
              + settings.tlsCa().map(Object::toString).orElse("system CAs only")
              + ", client certificate: "
              + settings.tlsCert().map(Object::toString).orElse("none")
              + "); put the CA that signed the NameNode's certificate in TLS_CA, the client"
              + " certificate the cluster asks for in TLS_CERT and TLS_KEY, or TLS_SKIP_VERIFY=true"
              + " for a test cluster",
          e);
    } catch (ConnectException e) {
      throw StorageException.transientFailure(
          "HDFS: the NameNode at " + where + " is unreachable (" + what + "): " + e.getMessage(),
          e);
    } catch (IOException e) {
      throw StorageException.transientFailure(
          "HDFS: cannot " + what + " (NameNode " + where + "): " + firstLine(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException(Kind.INTERNAL, "interrupted", e);
    } catch (UncheckedIOException e) {
      throw StorageException.transientFailure("HDFS: cannot " + what + ": " + e.getMessage(), e);
    }
  }

  private static String firstLine(Exception e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  /**
   * Compares the download with the checksum the DataNodes compute (MD5-of-MD5-of-CRC or composite
   * CRC, CRC32 or CRC32C). A cluster that offers none is trusted on size, with one warning.
   */
  @Override
  public void verify(RemoteObject object, java.nio.file.Path file) {
    if (!settings.verifyChecksums() || object.size() == 0) {
      return;
    }
    Path path = new Path(URI.create(object.key()));
    FileChecksum remote;
    try {
      remote = ugi.doAs((PrivilegedExceptionAction<FileChecksum>) () -> fs.getFileChecksum(path));
    } catch (IOException | RuntimeException e) {
      noChecksum(object.key() + ": " + firstLine(e));
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException(Kind.INTERNAL, "interrupted", e);
    }
    byte[] expected;
    byte[] actual;
    try {
      Optional<byte[]> digest = remote == null ? Optional.empty() : HdfsChecksums.remote(remote);
      if (digest.isEmpty()) {
        noChecksum(remote == null ? "none for " + object.key() : remote.getAlgorithmName());
        return;
      }
      expected = digest.get();
      actual = HdfsChecksums.local(remote, file);
    } catch (IOException e) {
      throw new StorageException(Kind.INTERNAL, "Cannot read " + file + ": " + e, e);
    }
    if (!Arrays.equals(expected, actual)) {
      throw new StorageException(
          Kind.INTEGRITY,
          object.path()
              + " does not match HDFS's "
              + remote.getAlgorithmName()
              + " checksum ("
              + HexFormat.of().formatHex(expected)
              + ", the download gives "
              + HexFormat.of().formatHex(actual)
              + "); it was not kept");
    }
    verified.incrementAndGet();
  }

  private void noChecksum(String why) {
    if (warnedNoChecksum.compareAndSet(false, true)) {
      LOG.warn(
          "HDFS offers no checksum this client can verify ({}); files are checked by size", why);
    }
  }

  @Override
  public OptionalInt concurrencyLimit() {
    return settings.threads();
  }

  @Override
  public Set<Capability> capabilities() {
    return EnumSet.of(Capability.RANGED_READS, Capability.TREES);
  }

  @Override
  public void close() {
    if (verified.get() > 0) {
      LOG.info("{} files matched HDFS's checksums", verified.get());
      verified.set(0);
    }
    try {
      fs.close();
    } catch (IOException ignored) {
      // Closing: nothing left to do with it.
    }
  }

  /** Ends a stream after a number of bytes. */
  private static final class Bounded extends FilterInputStream {
    private long left;

    Bounded(InputStream in, long limit) {
      super(in);
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int b = super.read();
      if (b >= 0) {
        left--;
      }
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = super.read(buf, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }
  }
}
