package io.storageinit.s3;

import io.storageinit.api.Capability;
import io.storageinit.api.Checksum;
import io.storageinit.api.Listing;
import io.storageinit.api.RemoteObject;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import io.storageinit.kit.ContentRange;
import io.storageinit.kit.Http1;
import io.storageinit.kit.HttpProxies;
import io.storageinit.kit.Malformed;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * Lists and reads S3 objects. A key that names an object is that object; otherwise the key is a
 * folder, and every object below {@code key/} is listed (so {@code models/v1} never pulls {@code
 * models/v10/...}); keys ending in {@code /} are folder markers and skipped, empty objects are
 * kept. Thread-safe.
 */
final class S3StorageClient implements StorageClient {
  private final S3Settings settings;
  private final S3Transport http;

  /** S3-compatible stores that do not know x-amz-checksum-mode answer 501: then ask without it. */
  private final AtomicBoolean checksumMode = new AtomicBoolean(true);

  S3StorageClient(
      S3Settings settings,
      Supplier<SSLContext> tls,
      HttpProxies proxies,
      io.storageinit.kit.MinimumRate listingPace) {
    this.settings = settings;
    this.listingPace = listingPace;
    this.http = new S3Transport(settings, tls, proxies, S3Transport.credentials(settings));
    this.identity =
        io.storageinit.kit.StoreIdentity.of("s3")
            .with("endpoint", settings.endpoint())
            .with("region", settings.region())
            .with("virtual-hosted", settings.virtualHosted())
            .with("accelerate", settings.accelerate())
            .with("fips", settings.useFips())
            .with("dual-stack", settings.useDualStack())
            .trust(settings.caBundle(), settings.verifySsl())
            .proxies(proxies)
            .toString();
  }

  /** The minimum rate a listing page must come at (the runtime watches object bodies itself). */
  private final io.storageinit.kit.MinimumRate listingPace;

  /** The endpoint, region and trust this client reads through: the node cache's store key. */
  private final String identity;

  @Override
  public java.util.Optional<String> storeIdentity() {
    return java.util.Optional.of(identity);
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
    return list(uri, page -> {});
  }

  /**
   * Hands each page of a tree over as it arrives (ListObjectsV2 returns up to 1000 keys a page).
   */
  @Override
  public Listing list(String uri, Consumer<List<RemoteObject>> pages) {
    Location at = Location.parse(uri);
    FutureTask<Optional<RemoteObject>> object = null;
    if (!at.key().isEmpty() && !at.key().endsWith("/")) {
      // Whether the URI names an object is asked alongside the first page of the folder of that
      // name: one round trip instead of two. An object, when there is one, wins.
      object = new FutureTask<>(() -> head(at));
      Thread asking = new Thread(object, "s3-head");
      asking.setDaemon(true);
      asking.setContextClassLoader(Thread.currentThread().getContextClassLoader());
      asking.start();
    }
    String prefix = at.key().isEmpty() || at.key().endsWith("/") ? at.key() : at.key() + "/";
    List<RemoteObject> objects = new ArrayList<>();
    Optional<String> token = Optional.empty();
    java.util.Set<String> tokens = new java.util.HashSet<>();
    try {
      do {
        S3Xml.Page page;
        Http1.Response r =
            http.send(
                "GET",
                at.bucket(),
                null,
                S3Transport.query(
                    "list-type",
                    "2",
                    "prefix",
                    prefix,
                    "encoding-type",
                    "url",
                    "continuation-token",
                    token.orElse(null)),
                Map.of());
        try (InputStream in = listingPace.watch(r.body(), "the listing of " + at.uri())) {
          page = S3Xml.listPage(in);
        }
        List<RemoteObject> found = new ArrayList<>(page.entries().size());
        for (S3Xml.Entry e : page.entries()) {
          if (e.key().endsWith("/") || !e.key().startsWith(prefix)) {
            continue;
          }
          found.add(
              object(
                  at.bucket(),
                  e.key(),
                  e.key().substring(prefix.length()),
                  e.size(),
                  e.etag(),
                  e.lastModified(),
                  settings.etagIsMd5(),
                  null));
        }
        if (object != null) {
          Optional<RemoteObject> single = answer(object);
          if (single.isPresent()) {
            return Listing.ofObject(single.get());
          }
          object = null;
        }
        objects.addAll(found);
        if (!found.isEmpty()) {
          pages.accept(found);
        }
        token = page.nextToken();
        if (token.isPresent() && !tokens.add(token.get())) {
          throw new Malformed(
              "the store sent a continuation token it had sent before, after "
                  + objects.size()
                  + " keys: its listing would never end");
        }
      } while (token.isPresent());
    } catch (S3Transport.Failure | IOException | AwsSdk.Failure e) {
      if (object != null) {
        Optional<RemoteObject> single = answer(object);
        if (single.isPresent()) {
          return Listing.ofObject(single.get());
        }
      }
      throw failure(at, e);
    }
    return Listing.ofTree(objects);
  }

  /** What the HEAD request running beside a listing found; its failure is thrown here. */
  private static Optional<RemoteObject> answer(FutureTask<Optional<RemoteObject>> head) {
    try {
      return head.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new StorageException(Kind.INTERNAL, "S3 request failed: " + e.getCause(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException(Kind.INTERNAL, "interrupted while asking for the object", e);
    }
  }

  /** The object at {@code at}, or empty when there is none (then it may be a folder). */
  private Optional<RemoteObject> head(Location at) {
    boolean withChecksum = checksumMode.get();
    try {
      Http1.Response h =
          http.send(
              "HEAD",
              at.bucket(),
              at.key(),
              Map.of(),
              withChecksum ? Map.of("x-amz-checksum-mode", "ENABLED") : Map.of());
      String name = at.key().substring(at.key().lastIndexOf('/') + 1);
      Optional<String> sse = Optional.ofNullable(h.header("x-amz-server-side-encryption"));
      boolean md5Etag = sse.isEmpty() || sse.get().equals("AES256");
      return Optional.of(
          object(
              at.bucket(),
              at.key(),
              name,
              contentLength(h),
              h.header("ETag"),
              Optional.ofNullable(h.header("Last-Modified"))
                  .flatMap(S3StorageClient::httpDate)
                  .orElse(null),
              md5Etag,
              h.header("x-amz-checksum-sha256")));
    } catch (S3Transport.Failure e) {
      if (e.status == 501 && checksumMode.compareAndSet(true, false)) {
        return head(at);
      }
      if (e.status == 404 && !"NoSuchBucket".equals(e.code)) {
        return Optional.empty();
      }
      if (e.status == 403) {
        // Without s3:ListBucket a missing key answers 403 too: the listing gives the real answer.
        return Optional.empty();
      }
      throw failure(at, e);
    } catch (IOException | AwsSdk.Failure e) {
      throw failure(at, e);
    }
  }

  private static Optional<Instant> httpDate(String value) {
    try {
      return Optional.of(
          ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private static long contentLength(Http1.Response r) {
    try {
      return Long.parseLong(r.header("Content-Length"));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static RemoteObject object(
      String bucket,
      String key,
      String path,
      long size,
      String etag,
      Instant modified,
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
    if (checksum == null && etagIsMd5 && tag != null && isMd5Hex(tag)) {
      checksum = Checksum.of(Checksum.Algorithm.MD5, tag);
    }
    return RemoteObject.builder(new Location(bucket, key).uri(), path)
        .size(size)
        .version(tag)
        .lastModified(modified)
        .checksum(checksum)
        .build();
  }

  /**
   * Whether {@code tag} is 32 hex digits, as the ETag of an object uploaded whole is (its MD5). A
   * multipart ETag ends in "-" and the part count. Checked by hand: a listing has a tag per key.
   */
  static boolean isMd5Hex(String tag) {
    if (tag.length() != 32) {
      return false;
    }
    for (int i = 0; i < 32; i++) {
      char c = tag.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
        return false;
      }
    }
    return true;
  }

  @Override
  public InputStream read(RemoteObject object, long offset, long length) {
    Location at = Location.parse(object.key());
    Map<String, String> headers = new HashMap<>();
    if (offset > 0 || length >= 0) {
      headers.put(
          "Range",
          "bytes=" + offset + "-" + (length < 0 ? "" : String.valueOf(offset + length - 1)));
    }
    object.version().ifPresent(v -> headers.put("If-Match", "\"" + v + "\""));
    try {
      Http1.Response r = http.send("GET", at.bucket(), at.key(), Map.of(), headers);
      if (headers.containsKey("Range")) {
        if (r.status() != 206) {
          r.abort();
          throw StorageException.retryableIntegrity(
              at.uri() + " answered a range request with " + r.status() + ", not 206");
        }
        ContentRange.checkResponse(r, offset, length, object.size(), at.uri());
      }
      return r.body();
    } catch (S3Transport.Failure e) {
      if (e.status == 412) {
        throw new StorageException(
            Kind.INTEGRITY,
            object.key() + " changed in the store during the transfer; run again",
            e);
      }
      throw failure(at, e);
    } catch (IOException | AwsSdk.Failure e) {
      throw failure(at, e);
    }
  }

  /** Maps failures to errors that say what to fix, naming the key id but never the secret. */
  StorageException failure(Location at, Exception e) {
    String where = at.uri() + settings.endpoint().map(u -> " at " + u).orElse("");
    if (e instanceof S3Transport.Failure s) {
      String code = s.code;
      int status = s.status;
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
        case "RequestTimeTooSkewed":
          return new StorageException(
              Kind.UNAUTHENTICATED,
              "The store refused the request's time ("
                  + where
                  + "): this node's clock is off by more than 15 minutes; fix its time sync",
              e);
        case "PermanentRedirect",
            "AuthorizationHeaderMalformed",
            "IllegalLocationConstraintException":
          String region = s.bucketRegion.orElse(null);
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
      if (S3Transport.transientStatus(status, code)) {
        return new StorageException(
            Kind.TRANSIENT, "The store answered " + status + " (" + code + ") for " + where, e);
      }
      return new StorageException(
          Kind.INTERNAL,
          "The store answered "
              + status
              + (code.isEmpty() ? "" : " (" + code + ")")
              + " for "
              + where
              + (s.getMessage() == null || s.getMessage().isEmpty() ? "" : ": " + s.getMessage()),
          e);
    }
    if (e instanceof Malformed) {
      return new StorageException(
          Kind.INTEGRITY,
          "The store's answer for "
              + where
              + " is not valid: "
              + e.getMessage()
              + "; check the endpoint serves the S3 API",
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
    if (root instanceof SocketTimeoutException) {
      return StorageException.transientFailure(
          "The S3 endpoint did not answer in time for "
              + where
              + " ("
              + root.getMessage()
              + "); raise S3_CONNECT_TIMEOUT / S3_READ_TIMEOUT if the store is slow",
          e);
    }
    if (e instanceof AwsSdk.Failure f && f.credentials()) {
      return new StorageException(
          Kind.UNAUTHENTICATED,
          "No AWS credentials for "
              + where
              + ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, use IRSA, or awsAnonymousCredential=true for a public bucket",
          e);
    }
    if (e instanceof AwsSdk.Failure) {
      return new StorageException(
          Kind.INVALID_CONFIG, "Cannot address " + where + ": " + e.getMessage(), e);
    }
    return StorageException.transientFailure(
        "S3 request for " + where + " failed: " + e.getMessage(), e);
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

  @Override
  public void close() {
    http.close();
  }
}
