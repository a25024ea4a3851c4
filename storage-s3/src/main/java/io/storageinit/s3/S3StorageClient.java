package io.storageinit.s3;

import io.storageinit.api.Capability;
import io.storageinit.api.Checksum;
import io.storageinit.api.Listing;
import io.storageinit.api.RemoteObject;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.apache.internal.conn.SdkTlsSocketFactory;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * Lists and reads S3 objects with one synchronous SDK client over a pool of kept-alive connections.
 * A key that names an object is that object; otherwise the key is a folder, and every object below
 * {@code key/} is listed (so {@code models/v1} never pulls {@code models/v10/...}); keys ending in
 * {@code /} are folder markers and skipped, empty objects are kept. Thread-safe.
 */
final class S3StorageClient implements StorageClient {
  private static final int MAX_CONNECTIONS = 64;

  private final S3Settings settings;
  private final S3Client s3;

  /** S3-compatible stores that do not know x-amz-checksum-mode answer 501: then ask without it. */
  private final java.util.concurrent.atomic.AtomicBoolean checksumMode =
      new java.util.concurrent.atomic.AtomicBoolean(true);

  S3StorageClient(S3Settings settings, SSLContext tls) {
    this.settings = settings;
    ApacheHttpClient.Builder http =
        ApacheHttpClient.builder()
            .maxConnections(MAX_CONNECTIONS)
            // HTTP_PROXY / HTTPS_PROXY / NO_PROXY, as for the HTTP provider.
            .proxyConfiguration(
                software.amazon.awssdk.http.apache.ProxyConfiguration.builder()
                    .useEnvironmentVariableValues(true)
                    .useSystemPropertyValues(true)
                    .build())
            .connectionTimeout(settings.connectTimeout())
            .socketTimeout(settings.readTimeout())
            .socketFactory(
                new SdkTlsSocketFactory(
                    tls,
                    settings.verifySsl()
                        ? new org.apache.http.conn.ssl.DefaultHostnameVerifier()
                        : org.apache.http.conn.ssl.NoopHostnameVerifier.INSTANCE));
    S3ClientBuilder builder =
        S3Client.builder()
            .httpClientBuilder(http)
            .credentialsProvider(credentials(settings))
            .overrideConfiguration(
                o ->
                    o.retryStrategy(
                        AwsRetryStrategy.standardRetryStrategy().toBuilder()
                            .maxAttempts(settings.maxAttempts())
                            .build()))
            .accelerate(settings.accelerate())
            // The runtime verifies the whole file against the object's MD5 or SHA-256 once it is
            // complete; hashing every response stream again in the SDK would only cost CPU.
            .serviceConfiguration(
                software.amazon.awssdk.services.s3.S3Configuration.builder()
                    .checksumValidationEnabled(false)
                    .build());
    builder.region(Region.of(settings.region().orElse("us-east-1")));
    if (settings.endpoint().isPresent()) {
      builder.endpointOverride(settings.endpoint().get()).forcePathStyle(!settings.virtualHosted());
    } else if (settings.region().isEmpty()) {
      // No region given: let the SDK follow the bucket to its region instead of failing.
      builder.crossRegionAccessEnabled(true);
    }
    this.s3 = builder.build();
  }

  private static AwsCredentialsProvider credentials(S3Settings s) {
    if (s.anonymous()) {
      return AnonymousCredentialsProvider.create();
    }
    if (s.accessKeyId().isPresent() && s.secretAccessKey().isPresent()) {
      return StaticCredentialsProvider.create(
          s.sessionToken().isPresent()
              ? AwsSessionCredentials.create(
                  s.accessKeyId().get(), s.secretAccessKey().get(), s.sessionToken().get())
              : AwsBasicCredentials.create(s.accessKeyId().get(), s.secretAccessKey().get()));
    }
    return DefaultCredentialsProvider.create();
  }

  /** A parsed {@code s3://bucket/key}. */
  record Location(String bucket, String key) {
    static Location parse(String uri) {
      String rest = uri.substring(uri.indexOf("://") + 3);
      int slash = rest.indexOf('/');
      String bucket = slash < 0 ? rest : rest.substring(0, slash);
      String key = slash < 0 ? "" : rest.substring(slash + 1);
      if (bucket.isEmpty()) {
        throw new StorageException(
            Kind.INVALID_URI, "No bucket in " + uri + "; use s3://<bucket>/<key or prefix>");
      }
      return new Location(bucket, key);
    }

    String uri() {
      return "s3://" + bucket + "/" + key;
    }
  }

  @Override
  public OptionalInt concurrencyLimit() {
    return settings.maxFileConcurrency();
  }

  @Override
  public Set<Capability> capabilities() {
    return EnumSet.of(Capability.RANGED_READS, Capability.TREES);
  }

  @Override
  public Listing list(String uri) {
    Location at = Location.parse(uri);
    if (!at.key().isEmpty() && !at.key().endsWith("/")) {
      Optional<HeadObjectResponse> head = head(at);
      if (head.isPresent()) {
        HeadObjectResponse h = head.get();
        String name = at.key().substring(at.key().lastIndexOf('/') + 1);
        boolean md5Etag =
            h.serverSideEncryption() == null
                || h.serverSideEncryption() == ServerSideEncryption.AES256;
        return Listing.ofObject(
            object(
                at.bucket(),
                at.key(),
                name,
                h.contentLength(),
                h.eTag(),
                h.lastModified(),
                md5Etag,
                h.checksumSHA256()));
      }
    }
    String prefix = at.key().isEmpty() || at.key().endsWith("/") ? at.key() : at.key() + "/";
    List<RemoteObject> objects = new ArrayList<>();
    try {
      for (S3Object o :
          s3.listObjectsV2Paginator(
                  ListObjectsV2Request.builder().bucket(at.bucket()).prefix(prefix).build())
              .contents()) {
        if (o.key().endsWith("/")) {
          continue;
        }
        objects.add(
            object(
                at.bucket(),
                o.key(),
                o.key().substring(prefix.length()),
                o.size(),
                o.eTag(),
                o.lastModified(),
                settings.etagIsMd5(),
                null));
      }
    } catch (SdkException e) {
      throw failure(at, e);
    }
    return Listing.ofTree(objects);
  }

  private Optional<HeadObjectResponse> head(Location at) {
    boolean withChecksum = checksumMode.get();
    try {
      return Optional.of(
          s3.headObject(
              b ->
                  b.bucket(at.bucket())
                      .key(at.key())
                      .checksumMode(withChecksum ? ChecksumMode.ENABLED : null)));
    } catch (S3Exception e) {
      if (e.statusCode() == 501 && checksumMode.compareAndSet(true, false)) {
        return head(at);
      }
      if (e.statusCode() == 404 && !"NoSuchBucket".equals(errorCode(e))) {
        return Optional.empty();
      }
      if (e.statusCode() == 403) {
        // Without s3:ListBucket a missing key answers 403 too: the listing gives the real answer.
        return Optional.empty();
      }
      throw failure(at, e);
    } catch (SdkException e) {
      throw failure(at, e);
    }
  }

  private static RemoteObject object(
      String bucket,
      String key,
      String path,
      Long size,
      String etag,
      java.time.Instant modified,
      boolean etagIsMd5,
      String sha256Base64) {
    String tag = etag == null ? null : etag.replace("\"", "");
    Checksum checksum = null;
    if (sha256Base64 != null && !sha256Base64.contains("-")) {
      try {
        checksum =
            Checksum.of(
                Checksum.Algorithm.SHA256,
                HexFormat.of().formatHex(Base64.getDecoder().decode(sha256Base64)));
      } catch (IllegalArgumentException ignored) {
        // A composite (multipart) checksum is not of the whole object: nothing to verify.
      }
    }
    if (checksum == null && etagIsMd5 && tag != null && tag.matches("[0-9a-fA-F]{32}")) {
      checksum = Checksum.of(Checksum.Algorithm.MD5, tag);
    }
    return RemoteObject.builder(new Location(bucket, key).uri(), path)
        .size(size == null ? -1 : size)
        .version(tag)
        .lastModified(modified)
        .checksum(checksum)
        .build();
  }

  @Override
  public InputStream read(RemoteObject object, long offset, long length) {
    Location at = Location.parse(object.key());
    GetObjectRequest.Builder get = GetObjectRequest.builder().bucket(at.bucket()).key(at.key());
    if (offset > 0 || length >= 0) {
      get.range("bytes=" + offset + "-" + (length < 0 ? "" : String.valueOf(offset + length - 1)));
    }
    object.version().ifPresent(v -> get.ifMatch("\"" + v + "\""));
    try {
      return new AbortOnEarlyClose(s3.getObject(get.build()));
    } catch (S3Exception e) {
      if (e.statusCode() == 412) {
        throw new StorageException(
            Kind.INTEGRITY,
            object.key() + " changed in the store during the transfer; run again",
            e);
      }
      throw failure(at, e);
    } catch (SdkException e) {
      throw failure(at, e);
    }
  }

  /** Maps SDK failures to errors that say what to fix, naming the key id but never the secret. */
  StorageException failure(Location at, SdkException e) {
    String where = at.uri() + settings.endpoint().map(u -> " at " + u).orElse("");
    if (e instanceof S3Exception s) {
      String code = errorCode(s);
      int status = s.statusCode();
      String keyId =
          settings
              .accessKeyId()
              .map(k -> "access key id " + k)
              .orElse(
                  settings.anonymous() ? "anonymous access" : "the default AWS credential chain");
      switch (code) {
        case "NoSuchBucket":
          return StorageException.notFound(
              "Bucket '"
                  + at.bucket()
                  + "' does not exist ("
                  + where
                  + "); check the bucket name and endpoint");
        case "NoSuchKey":
          return StorageException.notFound("No object " + where);
        case "InvalidAccessKeyId":
          return new StorageException(
              Kind.UNAUTHENTICATED,
              "The store does not know "
                  + keyId
                  + " ("
                  + where
                  + "); check AWS_ACCESS_KEY_ID in the secret",
              e);
        case "SignatureDoesNotMatch":
          return new StorageException(
              Kind.UNAUTHENTICATED,
              "The secret access key does not match "
                  + keyId
                  + " ("
                  + where
                  + "); check AWS_SECRET_ACCESS_KEY in the secret",
              e);
        case "PermanentRedirect",
            "AuthorizationHeaderMalformed",
            "IllegalLocationConstraintException":
          String region =
              s.awsErrorDetails() == null
                  ? null
                  : s.awsErrorDetails()
                      .sdkHttpResponse()
                      .firstMatchingHeader("x-amz-bucket-region")
                      .orElse(null);
          return new StorageException(
              Kind.INVALID_CONFIG,
              "Bucket '"
                  + at.bucket()
                  + "' is in another region"
                  + (region == null ? "" : " (" + region + ")")
                  + "; set AWS_DEFAULT_REGION"
                  + (region == null ? "" : "=" + region),
              e);
        case "SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable":
          return new StorageException(
              Kind.TRANSIENT,
              "The store is busy or failing (" + code + ") for " + where,
              e,
              Duration.ofSeconds(1));
        default:
          break;
      }
      if (status == 401 || status == 403) {
        return new StorageException(
            status == 401 ? Kind.UNAUTHENTICATED : Kind.PERMISSION_DENIED,
            "Access denied to "
                + where
                + " for "
                + keyId
                + "; grant s3:GetObject and s3:ListBucket on the bucket",
            e);
      }
      if (status == 404) {
        return StorageException.notFound("Nothing at " + where);
      }
      if (status == 429 || status >= 500) {
        return new StorageException(
            Kind.TRANSIENT, "The store answered " + status + " (" + code + ") for " + where, e);
      }
      return new StorageException(
          Kind.INTERNAL,
          "The store answered " + status + " (" + code + ") for " + where + ": " + s.getMessage(),
          e);
    }
    Throwable root = rootCause(e);
    if (root instanceof SSLException) {
      return new StorageException(
          Kind.INVALID_CONFIG,
          "TLS with the S3 endpoint failed for "
              + where
              + ": "
              + root.getMessage()
              + " (CA bundle in use: "
              + settings.caBundle().map(Object::toString).orElse("system CAs only")
              + "); set AWS_CA_BUNDLE or CA_BUNDLE_CONFIGMAP_NAME, or S3_VERIFY_SSL=0 for a test store",
          e);
    }
    if (root instanceof UnknownHostException || root instanceof ConnectException) {
      return new StorageException(
          Kind.TRANSIENT,
          "Cannot reach the S3 endpoint for "
              + where
              + ": "
              + root
              + "; check AWS_ENDPOINT_URL / S3_ENDPOINT and the network",
          e);
    }
    if (e instanceof SdkClientException
        && e.getMessage() != null
        && e.getMessage().contains("credentials")) {
      return new StorageException(
          Kind.UNAUTHENTICATED,
          "No AWS credentials for "
              + where
              + ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, use IRSA, or awsAnonymousCredential=true for a public bucket",
          e);
    }
    return StorageException.transientFailure(
        "S3 request for " + where + " failed: " + e.getMessage(), e);
  }

  private static String errorCode(S3Exception e) {
    return e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null
        ? ""
        : e.awsErrorDetails().errorCode();
  }

  private static Throwable rootCause(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      if (t instanceof SSLException) {
        return t;
      }
      t = t.getCause();
    }
    return t;
  }

  /** Aborts the HTTP connection when closed before the end, instead of draining the body. */
  private static final class AbortOnEarlyClose extends FilterInputStream {
    private final ResponseInputStream<GetObjectResponse> response;
    private boolean ended;

    AbortOnEarlyClose(ResponseInputStream<GetObjectResponse> response) {
      super(response);
      this.response = response;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      ended |= b < 0;
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int n = super.read(buf, off, len);
      ended |= n < 0;
      return n;
    }

    @Override
    public void close() throws IOException {
      if (!ended) {
        response.abort();
      }
      super.close();
    }
  }

  @Override
  public void close() {
    s3.close();
  }
}
