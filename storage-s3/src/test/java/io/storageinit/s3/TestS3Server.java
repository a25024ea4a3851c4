package io.storageinit.s3;

import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3 server for tests, in this JVM and without Docker: S3Proxy on 127.0.0.1 over an
 * in-memory (or folder) blob store. Objects are written with the MinIO client, so an independent S3
 * client writes what ours reads.
 */
public final class TestS3Server implements AutoCloseable {
  public static final String ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
  public static final String SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

  private final BlobStoreContext context;
  private final S3Proxy proxy;
  private final S3Proxy anonymous;
  private final S3Proxy secure;
  private final MinioClient minio;

  private TestS3Server(BlobStoreContext context, S3Proxy proxy, S3Proxy anonymous, S3Proxy secure)
      throws Exception {
    this.context = context;
    this.proxy = proxy;
    this.anonymous = anonymous;
    this.secure = secure;
    this.minio =
        MinioClient.builder().endpoint(endpoint()).credentials(ACCESS_KEY, SECRET_KEY).build();
  }

  /**
   * Starts a server that also serves HTTPS on another port with the key in {@code keystore} (a
   * PKCS12 or JKS file), over the same objects.
   */
  public static TestS3Server startWithTls(Path keystore, String password) throws Exception {
    BlobStoreContext context =
        ContextBuilder.newBuilder("transient")
            .credentials("identity", "credential")
            .build(BlobStoreContext.class);
    S3Proxy plain = started(context.getBlobStore(), AuthenticationType.AWS_V2_OR_V4);
    S3Proxy secure =
        started(
            S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .secureEndpoint(URI.create("https://127.0.0.1:0"))
                .keyStore(keystore.toString(), password)
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build());
    return new TestS3Server(context, plain, null, secure);
  }

  /** The HTTPS endpoint, for servers started with TLS. */
  public String secureEndpoint() {
    return "https://127.0.0.1:" + secure.getSecurePort();
  }

  /**
   * Starts a server over an in-memory store; {@code withAnonymous} adds a second, unauthenticated
   * endpoint.
   */
  public static TestS3Server start(boolean withAnonymous) throws Exception {
    return start(null, withAnonymous);
  }

  /** Starts a server whose objects live in {@code folder} (null: in memory). */
  public static TestS3Server start(Path folder, boolean withAnonymous) throws Exception {
    Properties props = new Properties();
    if (folder != null) {
      props.setProperty("jclouds.filesystem.basedir", folder.toString());
    }
    BlobStoreContext context =
        ContextBuilder.newBuilder(folder == null ? "transient" : "filesystem")
            .credentials("identity", "credential")
            .overrides(props)
            .build(BlobStoreContext.class);
    S3Proxy proxy = started(context.getBlobStore(), AuthenticationType.AWS_V2_OR_V4);
    S3Proxy anonymous =
        withAnonymous ? started(context.getBlobStore(), AuthenticationType.NONE) : null;
    return new TestS3Server(context, proxy, anonymous, null);
  }

  private static S3Proxy started(BlobStore store, AuthenticationType auth) throws Exception {
    S3Proxy.Builder b =
        S3Proxy.builder().blobStore(store).endpoint(URI.create("http://127.0.0.1:0"));
    if (auth != AuthenticationType.NONE) {
      b.awsAuthentication(auth, ACCESS_KEY, SECRET_KEY);
    }
    return started(b.build());
  }

  private static S3Proxy started(S3Proxy p) throws Exception {
    p.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!AbstractLifeCycle.STARTED.equals(p.getState())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("S3Proxy did not start: " + p.getState());
      }
      Thread.onSpinWait();
    }
    return p;
  }

  /** The endpoint URL (authenticated). */
  public String endpoint() {
    return "http://127.0.0.1:" + proxy.getPort();
  }

  public int port() {
    return proxy.getPort();
  }

  /** The endpoint URL that needs no credentials. */
  public String anonymousEndpoint() {
    return "http://127.0.0.1:" + anonymous.getPort();
  }

  /** The environment a KServe pod would have for this server. */
  public Map<String, String> environment() {
    return Map.of(
        "AWS_ACCESS_KEY_ID",
        ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY",
        SECRET_KEY,
        "AWS_ENDPOINT_URL",
        endpoint(),
        "AWS_DEFAULT_REGION",
        "us-east-1");
  }

  public TestS3Server bucket(String name) throws Exception {
    if (!minio.bucketExists(BucketExistsArgs.builder().bucket(name).build())) {
      minio.makeBucket(MakeBucketArgs.builder().bucket(name).build());
    }
    return this;
  }

  public TestS3Server put(String bucket, String key, byte[] data) throws Exception {
    minio.putObject(
        PutObjectArgs.builder().bucket(bucket).object(key).stream(
                new ByteArrayInputStream(data), data.length, -1)
            .contentType("application/octet-stream")
            .build());
    return this;
  }

  @Override
  public void close() throws Exception {
    proxy.stop();
    if (anonymous != null) {
      anonymous.stop();
    }
    if (secure != null) {
      secure.stop();
    }
    context.close();
  }
}
