package io.storageinit.s3;

import io.storageinit.kit.Headers;
import io.storageinit.kit.Http1;
import io.storageinit.kit.HttpProxies;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends signed S3 requests over the kit's {@link Http1}, straight to the store or through the
 * proxies of the environment. The AWS SDK provides what is hard to get right ({@link AwsSdk}):
 * credentials (the default chain with web identity, profiles and instance metadata) and, for AWS
 * itself, the endpoint rules (regions, partitions, FIPS, dual-stack, Transfer Acceleration). What
 * it does not bring is its request pipeline, HTTP client and general signer, whose set-up and
 * per-request work cost more CPU than a model download on a small initContainer can spare (measured
 * in bench/s3-bench.sh); requests here are only GET and HEAD, signed by {@link SigV4}.
 *
 * <p>Each request is retried up to {@code S3_MAX_ATTEMPTS} times on a transient failure (a 5xx, 429
 * or 408, or a connection that fails) before its body is handed out; a request to a bucket in
 * another region is sent again there when no region was configured.
 */
final class S3Transport {
  private static final Logger LOG = LoggerFactory.getLogger(S3Transport.class);
  private static final long BASE_BACKOFF_MILLIS = 100;
  private static final long MAX_BACKOFF_MILLIS = 5_000;

  private final S3Settings settings;
  private final Credentials credentials;
  private final SigV4 signer = new SigV4();

  /** The connections to the store (or its proxy). */
  private final Http1 http1;

  /** Where each bucket is, once known: its base URL and the region requests are signed for. */
  private final Map<String, BucketEndpoint> buckets = new ConcurrentHashMap<>();

  record BucketEndpoint(URI base, String region) {}

  /** The keys a request is signed with; {@code sessionToken} may be null. */
  record Keys(String accessKeyId, String secretAccessKey, String sessionToken)
      implements Credentials {
    /** Keys given in the configuration are their own source. */
    @Override
    public Keys keys() {
      return this;
    }
  }

  /** Where the keys come from: the configuration, or the SDK's default chain. */
  interface Credentials extends AutoCloseable {
    Keys keys();

    @Override
    default void close() {}
  }

  /** An HTTP status the store answered with, with S3's error code and message when it sent them. */
  static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final String code;
    final transient Optional<String> bucketRegion;

    Failure(int status, String code, String message, Optional<String> bucketRegion) {
      super(message);
      this.status = status;
      this.code = code;
      this.bucketRegion = bucketRegion;
    }
  }

  S3Transport(
      S3Settings settings, Supplier<SSLContext> tls, HttpProxies proxies, Credentials creds) {
    this.settings = settings;
    this.credentials = creds;
    this.http1 =
        Http1.builder()
            .tls(() -> tls.get().getSocketFactory())
            .verifyHost(settings.verifySsl())
            .connectTimeout(settings.connectTimeout())
            .readTimeout(settings.readTimeout())
            .proxies(proxies)
            .build();
  }

  /** The configured keys; else, unless the bucket is read anonymously, the default chain. */
  static Credentials credentials(S3Settings s) {
    if (s.accessKeyId().isPresent() && s.secretAccessKey().isPresent()) {
      return new Keys(
          s.accessKeyId().get(), s.secretAccessKey().get(), s.sessionToken().orElse(null));
    }
    return s.anonymous() ? null : new AwsSdk.DefaultChain();
  }

  /**
   * Sends a request and returns its 2xx response.
   *
   * @param key the object key, or null for a request on the bucket
   * @param query query parameters, raw (they are encoded here)
   * @throws Failure for an error status, once the retries are spent
   * @throws IOException when the store cannot be reached, once the retries are spent
   */
  Http1.Response send(
      String method,
      String bucket,
      String key,
      Map<String, String> query,
      Map<String, String> headers)
      throws IOException {
    boolean rerouted = false;
    for (int attempt = 1; ; attempt++) {
      BucketEndpoint at = buckets.computeIfAbsent(bucket, b -> resolve(b, defaultRegion()));
      try {
        return sendOnce(method, at, key, query, headers);
      } catch (Failure f) {
        if (!rerouted && f.bucketRegion.isPresent() && mayFollowBucket(f, at)) {
          // No region configured and the bucket lives elsewhere: ask there, as the SDK's
          // cross-region access does.
          buckets.put(bucket, resolve(bucket, f.bucketRegion.get()));
          rerouted = true;
          attempt--;
          continue;
        }
        if (!transientStatus(f.status, f.code) || attempt >= settings.maxAttempts()) {
          throw f;
        }
        LOG.debug("{} s3://{}/{} answered {} {}; retrying", method, bucket, key, f.status, f.code);
        pause(attempt, f.status == 429 || "SlowDown".equals(f.code));
      } catch (IOException e) {
        if (e instanceof javax.net.ssl.SSLException || attempt >= settings.maxAttempts()) {
          throw e;
        }
        LOG.debug("{} s3://{}/{} failed: {}; retrying", method, bucket, key, e.toString());
        pause(attempt, false);
      }
    }
  }

  private boolean mayFollowBucket(Failure f, BucketEndpoint at) {
    return settings.region().isEmpty()
        && settings.endpoint().isEmpty()
        && (f.status == 301 || f.status == 400 || f.status == 403)
        && !f.bucketRegion.get().equals(at.region());
  }

  private String defaultRegion() {
    return settings.region().orElse("us-east-1");
  }

  static boolean transientStatus(int status, String code) {
    // 501 Not Implemented and 505 HTTP Version Not Supported will not change on a retry.
    return (status >= 500 && status != 501 && status != 505)
        || status == 429
        || status == 408
        || "SlowDown".equals(code)
        || "RequestTimeout".equals(code);
  }

  private static void pause(int attempt, boolean throttled) throws IOException {
    long cap =
        Math.min(
            MAX_BACKOFF_MILLIS, (throttled ? 10 : 1) * BASE_BACKOFF_MILLIS * (1L << (attempt - 1)));
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(cap / 2, cap + 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting to retry");
    }
  }

  private Http1.Response sendOnce(
      String method,
      BucketEndpoint at,
      String key,
      Map<String, String> query,
      Map<String, String> headers)
      throws IOException {
    String path = at.base().getRawPath() == null ? "" : at.base().getRawPath();
    if (key != null) {
      path = (path.endsWith("/") ? path : path + "/") + SigV4.uriEncode(key, true);
    } else if (path.isEmpty()) {
      path = "/";
    }
    URI base = at.base();
    int defaultPort = "https".equals(base.getScheme()) ? 443 : 80;
    String host = Headers.hostField(base);
    TreeMap<String, String> signed = new TreeMap<>();
    for (Map.Entry<String, String> e : headers.entrySet()) {
      signed.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue());
    }
    signed.put("host", host);
    if (!settings.anonymous()) {
      Keys keys = credentials.keys();
      signer.sign(
          method,
          path,
          query,
          signed,
          at.region(),
          keys.accessKeyId(),
          keys.secretAccessKey(),
          keys.sessionToken(),
          Instant.now());
    }
    String target = query.isEmpty() ? path : path + "?" + SigV4.canonicalQuery(query);
    boolean secure = "https".equals(base.getScheme());
    Http1.Response r =
        http1.send(
            method,
            secure,
            base.getHost(),
            base.getPort() > 0 ? base.getPort() : defaultPort,
            target,
            requestHeaders(signed, host));
    if (r.status() / 100 == 2) {
      return r;
    }
    throw failure(r);
  }

  /** The header fields in the order sent: Host first, then the signed ones. */
  private static Map<String, String> requestHeaders(Map<String, String> signed, String host) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Host", host);
    for (Map.Entry<String, String> e : signed.entrySet()) {
      if (!e.getKey().equals("host")) {
        h.put(e.getKey(), e.getValue());
      }
    }
    return h;
  }

  /** Reads S3's error document, if any, and lets the connection go back to the pool. */
  private static Failure failure(Http1.Response r) {
    Optional<String> region = Optional.ofNullable(r.header("x-amz-bucket-region"));
    String code = "";
    String message = "";
    try (InputStream err = r.body()) {
      Map<String, String> fields = S3Xml.error(err);
      code = fields.getOrDefault("Code", "");
      message = fields.getOrDefault("Message", "");
      if (region.isEmpty() && fields.containsKey("Region")) {
        region = Optional.of(fields.get("Region"));
      }
    } catch (IOException | RuntimeException e) {
      // Not an S3 error document (a proxy's page, say): the status says enough.
    }
    int status = r.status();
    if (code.isEmpty()) {
      code =
          switch (status) {
            case 404 -> "NotFound";
            case 403 -> "AccessDenied";
            case 301 -> "PermanentRedirect";
            default -> "";
          };
    }
    return new Failure(status, code, message, region);
  }

  /** Where {@code bucket} is answered, and the region to sign for. */
  BucketEndpoint resolve(String bucket, String region) {
    if (settings.endpoint().isPresent()) {
      URI e = settings.endpoint().get();
      String path = e.getRawPath() == null ? "" : e.getRawPath();
      if (path.endsWith("/")) {
        path = path.substring(0, path.length() - 1);
      }
      URI base =
          settings.virtualHosted()
              ? URI.create(
                  e.getScheme()
                      + "://"
                      + bucket
                      + "."
                      + e.getHost()
                      + (e.getPort() > 0 ? ":" + e.getPort() : "")
                      + path)
              : URI.create(
                  e.getScheme()
                      + "://"
                      + e.getRawAuthority()
                      + path
                      + "/"
                      + SigV4.uriEncode(bucket, false));
      return new BucketEndpoint(base, region);
    }
    // AWS itself: the SDK's endpoint rules know every partition's host names.
    return AwsSdk.resolve(bucket, region, settings);
  }

  /** Closes the idle connections and the credential source. */
  void close() {
    http1.close();
    if (credentials != null) {
      credentials.close();
    }
  }

  /** Raw query parameters in a stable order. */
  static Map<String, String> query(String... pairs) {
    Map<String, String> q = new LinkedHashMap<>();
    for (int i = 0; i + 1 < pairs.length; i += 2) {
      if (pairs[i + 1] != null) {
        q.put(pairs[i], pairs[i + 1]);
      }
    }
    return q;
  }
}
