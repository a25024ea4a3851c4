package io.storageinit.http;

import io.storageinit.api.Capability;
import io.storageinit.api.Listing;
import io.storageinit.api.RemoteObject;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import io.storageinit.kit.ArchiveNames;
import io.storageinit.kit.ContentRange;
import io.storageinit.kit.Headers;
import io.storageinit.kit.Http1;
import io.storageinit.kit.Redirects;
import io.storageinit.kit.Redirects.Origin;
import io.storageinit.kit.Uris;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocketFactory;

/**
 * Lists and reads HTTP(S) URLs over the kit's {@link Http1}: kept-alive connections, bodies read
 * straight into the engine's direct buffers, the proxies of the environment. Redirects are followed
 * here, by {@link Redirects}' rules: the headers of {@code <host>-headers} belong to the scheme,
 * host and port of the URI the user gave and go nowhere else, and a redirect from https to plain
 * http is refused while they are in play. Every ranged answer is held to the range asked for.
 * Thread-safe.
 */
final class HttpStorageClient implements StorageClient {
  private static final List<String> ZIP_TYPES =
      List.of("application/x-zip-compressed", "application/zip", "application/zip-compressed");
  private static final List<String> TAR_TYPES =
      List.of("application/x-tar", "application/x-gtar", "application/x-gzip", "application/gzip");

  private final HttpSettings settings;
  private final Http1 http;

  /** The origin whose credentials apply to each listed key (the URI the user gave). */
  private final Map<String, Origin> owners = new ConcurrentHashMap<>();

  HttpStorageClient(HttpSettings settings, Supplier<SSLSocketFactory> tls) {
    this.settings = settings;
    this.http =
        Http1.builder()
            .tls(tls)
            .verifyHost(!settings.insecure())
            .connectTimeout(settings.connectTimeout())
            .readTimeout(settings.readTimeout())
            .proxies(settings.proxies())
            .build();
  }

  /**
   * The URI names the server; what else decides who answers is the trust in it and the proxies on
   * the way (a proxy answers plain http:// requests itself).
   */
  @Override
  public java.util.Optional<String> storeIdentity() {
    return java.util.Optional.of(
        io.storageinit.kit.StoreIdentity.of("http")
            .trust(settings.caBundle(), !settings.insecure())
            .proxies(settings.proxies())
            .toString());
  }

  /** A response and the URL that answered it, after redirects. */
  private record Answer(Http1.Response response, URI uri) {
    int status() {
      return response.status();
    }

    Optional<String> header(String name) {
      return Optional.ofNullable(response.header(name));
    }
  }

  @Override
  public Set<Capability> capabilities() {
    return EnumSet.of(Capability.RANGED_READS);
  }

  @Override
  public Listing list(String uri) {
    URI url = parse(uri);
    String path = url.getRawPath() == null ? "" : url.getRawPath();
    String fileName = path.substring(path.lastIndexOf('/') + 1);
    if (fileName.isEmpty()) {
      throw new StorageException(
          Kind.INVALID_URI,
          "No filename contained in URI: "
              + Uris.redact(uri)
              + "; name the file, e.g. https://host/models/model.bin");
    }
    Origin owner = Origin.of(url);
    // A one-byte range answers size, range support, type and version in one round trip, and works
    // with pre-signed URLs that allow GET only.
    Answer answer = send(url, owner, Map.of("Range", "bytes=0-0"), uri);
    try {
      long size;
      boolean ranged;
      int status = answer.status();
      if (status == 206) {
        ContentRange.Range r =
            ContentRange.checkResponse(answer.response(), 0, 1, -1, Uris.redact(uri));
        ranged = r.complete() >= 0;
        size = r.complete();
      } else if (status == 416) {
        size = unsatisfiedSize(answer.header("Content-Range").orElse(""));
        ranged = false;
      } else {
        size = answer.header("Content-Length").map(HttpStorageClient::length).orElse(-1L);
        ranged = false;
      }
      String contentType = answer.header("Content-Type").orElse("");
      checkContentType(uri, url, contentType);
      Optional<String> etag = answer.header("ETag");
      Optional<Instant> modified =
          answer.header("Last-Modified").flatMap(HttpStorageClient::httpDate);
      String key = answer.uri().toString();
      owners.put(key, owner);
      RemoteObject object =
          RemoteObject.builder(key, fileName)
              .size(size)
              .rangedReads(ranged)
              .contentType(contentType.isEmpty() ? null : contentType)
              .version(etag.orElse(modified.map(Instant::toString).orElse(null)))
              .lastModified(modified.orElse(null))
              .build();
      return Listing.ofObject(object);
    } finally {
      answer.response().abort();
    }
  }

  /** The complete length of a 416's {@code bytes * /N}: 0 (an empty file) when there is none. */
  private static long unsatisfiedSize(String contentRange) {
    String v = contentRange.trim();
    if (v.startsWith("bytes */")) {
      long n = length(v.substring(8));
      return Math.max(0, n);
    }
    return 0;
  }

  private static long length(String value) {
    try {
      long n = Long.parseLong(value.trim());
      return n < 0 ? -1 : n;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * KServe's rule: a .zip must be served as a zip type, a tar as a tar/gzip type, anything else as
   * application/octet-stream.
   */
  private static void checkContentType(String uri, URI url, String contentType) {
    ArchiveNames.Type type = ArchiveNames.type(url.getRawPath());
    if (type == null && url.getRawQuery() != null) {
      type = ArchiveNames.type(url.getRawQuery());
    }
    List<String> accepted =
        type == ArchiveNames.Type.ZIP
            ? ZIP_TYPES
            : type == ArchiveNames.Type.TAR ? TAR_TYPES : List.of("application/octet-stream");
    if (accepted.stream().noneMatch(contentType::startsWith)) {
      throw new StorageException(
          Kind.UNSUPPORTED,
          "URI: "
              + Uris.redact(uri)
              + " did not respond with "
              + (accepted.size() == 1
                  ? "'Content-Type': '" + accepted.get(0) + "'"
                  : "any of following 'Content-Type': " + String.join(", ", accepted))
              + " (it sent '"
              + Headers.printable(contentType)
              + "'); serve the file with that type");
    }
  }

  @Override
  public InputStream read(RemoteObject object, long offset, long length) {
    boolean ranged = offset > 0 || length >= 0;
    String what = Uris.redact(object.key());
    if (ranged && !object.rangedReads()) {
      throw StorageException.unsupported("The server of " + what + " does not serve byte ranges");
    }
    URI url = parse(object.key());
    Map<String, String> extra = Map.of();
    if (ranged) {
      String range =
          "bytes=" + offset + "-" + (length < 0 ? "" : String.valueOf(offset + length - 1));
      Optional<String> strongEtag = object.version().filter(v -> v.startsWith("\""));
      extra =
          strongEtag.isPresent()
              ? Map.of("Range", range, "If-Range", strongEtag.get())
              : Map.of("Range", range);
    }
    Origin owner = owners.getOrDefault(object.key(), Origin.of(url));
    Answer answer = send(url, owner, extra, object.key());
    if (ranged) {
      if (answer.status() != 206) {
        answer.response().abort();
        throw new StorageException(
            Kind.INTEGRITY,
            what
                + " answered a range request with "
                + answer.status()
                + ": the file changed on the server during the transfer; run again");
      }
      ContentRange.checkResponse(answer.response(), offset, length, object.size(), what);
    }
    return answer.response().body();
  }

  /**
   * Sends a GET, following redirects by {@link Redirects}' rules, and maps error statuses. The
   * configured headers of the user's host go with a request only to {@code owner}.
   */
  private Answer send(URI url, Origin owner, Map<String, String> extra, String forMessage) {
    Redirects.Followed followed;
    try {
      followed =
          Redirects.get(
              http, url, owner, settings.headersFor(owner.host()), extra, Uris.redact(forMessage));
    } catch (IOException e) {
      throw ioFailure(forMessage, e);
    }
    Answer answer = new Answer(followed.response(), followed.uri());
    int status = answer.status();
    if (status >= 400 && status != 416) {
      StorageException failure = statusFailure(forMessage, answer);
      answer.response().abort();
      throw failure;
    }
    return answer;
  }

  private StorageException statusFailure(String uri, Answer answer) {
    int status = answer.status();
    String base = "URI: " + Uris.redact(uri) + " returned a " + status + " response code";
    return switch (status) {
      case 401 ->
          new StorageException(
              Kind.UNAUTHENTICATED,
              base
                  + "; the server wants credentials: set them in the environment variable '"
                  + parse(uri).getHost()
                  + "-headers', e.g. {\"Authorization\": \"Bearer ...\"}");
      case 403 ->
          new StorageException(
              Kind.PERMISSION_DENIED, base + "; the credentials may not read this file");
      case 404, 410 -> StorageException.notFound(base + "; check the URL");
      case 407 ->
          new StorageException(
              Kind.UNAUTHENTICATED,
              base + "; the proxy wants credentials: put user:password@ in the proxy URL");
      default ->
          status >= 500 || status == 408 || status == 425 || status == 429
              ? new StorageException(Kind.TRANSIENT, base, null, retryAfter(answer).orElse(null))
              : new StorageException(Kind.INVALID_URI, base);
    };
  }

  private StorageException ioFailure(String uri, IOException e) {
    String where = Uris.redact(uri);
    if (e instanceof SSLException) {
      return new StorageException(
          Kind.INVALID_CONFIG,
          "TLS with "
              + where
              + " failed: "
              + e.getMessage()
              + " (CA bundle in use: "
              + settings.caBundle().map(Object::toString).orElse("system CAs only")
              + "); mount the server's CA with CA_BUNDLE_CONFIGMAP_NAME or STORAGE_HTTP_CA_BUNDLE",
          e);
    }
    if (e instanceof Http1.ProxyRefused) {
      return new StorageException(
          Kind.PERMISSION_DENIED, "Cannot reach " + where + ": " + e.getMessage(), e);
    }
    if (e instanceof UnknownHostException) {
      return new StorageException(
          Kind.INVALID_URI,
          "Unknown host in " + where + ": check the URL and the cluster's DNS",
          e);
    }
    String what =
        e instanceof ConnectException
            ? "cannot connect to"
            : e instanceof SocketTimeoutException ? "timed out talking to" : "I/O error with";
    return StorageException.transientFailure(what + " " + where + ": " + e.getMessage(), e);
  }

  private static Optional<Duration> retryAfter(Answer answer) {
    Optional<String> v = answer.header("Retry-After");
    if (v.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(v.get().trim()))));
    } catch (NumberFormatException e) {
      return httpDate(v.get())
          .map(t -> Duration.between(Instant.now(), t))
          .map(d -> d.isNegative() ? Duration.ZERO : d);
    }
  }

  private static Optional<Instant> httpDate(String value) {
    try {
      return Optional.of(
          ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  private static URI parse(String uri) {
    try {
      URI url = new URI(uri);
      if (url.getHost() == null) {
        throw new URISyntaxException(uri, "no host");
      }
      return url;
    } catch (URISyntaxException e) {
      throw new StorageException(
          Kind.INVALID_URI, "Invalid URL " + Uris.redact(uri) + ": " + e.getReason());
    }
  }

  @Override
  public void close() {
    http.close();
  }
}
