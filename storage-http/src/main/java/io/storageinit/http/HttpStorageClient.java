package io.storageinit.http;

import io.storageinit.api.Capability;
import io.storageinit.api.HttpBody;
import io.storageinit.api.Listing;
import io.storageinit.api.RemoteObject;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocketFactory;

/**
 * Lists and reads HTTP(S) URLs over the JDK's blocking HTTP/1.1 connections, which the JDK keeps
 * alive and reuses between requests to the same server. Blocking reads straight from the socket are
 * what bulk transfers want (measured: about three times the throughput of java.net.http's
 * HttpClient on loopback, which funnels every connection through one selector thread), and their
 * read timeout also catches a server that stalls mid-body. Redirects are followed here rather than
 * by the client, so the headers of {@code <host>-headers} go to that host only and never follow a
 * redirect elsewhere. Thread-safe.
 */
final class HttpStorageClient implements StorageClient {
  private static final int MAX_REDIRECTS = 10;
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");
  private static final Pattern CONTENT_RANGE_UNSATISFIED = Pattern.compile("bytes\\s+\\*/(\\d+)");

  /** Headers the JDK client sets itself and refuses from callers. */
  private static final Set<String> RESTRICTED =
      Set.of("connection", "content-length", "expect", "host", "upgrade");

  private static final List<String> ZIP_TYPES =
      List.of("application/x-zip-compressed", "application/zip", "application/zip-compressed");
  private static final List<String> TAR_TYPES =
      List.of("application/x-tar", "application/x-gtar", "application/x-gzip", "application/gzip");

  private final HttpSettings settings;
  private final SSLSocketFactory tls;

  HttpStorageClient(HttpSettings settings, javax.net.ssl.SSLContext tls) {
    this.settings = settings;
    this.tls = tls.getSocketFactory();
    // The JDK keeps 5 idle connections per server by default: fewer than the parallel streams.
    if (System.getProperty("http.maxConnections") == null) {
      System.setProperty("http.maxConnections", "64");
    }
  }

  /** A response: status, headers, and the URL that answered (after redirects). */
  private record Response(HttpURLConnection connection, URI uri, int status) {
    Optional<String> header(String name) {
      return Optional.ofNullable(connection.getHeaderField(name));
    }

    /** Drops the connection instead of reading what is left of the body. */
    void abort() {
      connection.disconnect();
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
              + redact(uri)
              + "; name the file, e.g. https://host/models/model.bin");
    }
    // A one-byte range answers size, range support, type and version in one round trip, and works
    // with pre-signed URLs that allow GET only.
    Response response = send(url, Map.of("Range", "bytes=0-0"), uri);
    try {
      long size;
      boolean ranged;
      int status = response.status();
      if (status == 206) {
        Matcher m = CONTENT_RANGE.matcher(response.header("Content-Range").orElse(""));
        ranged = m.matches() && !m.group(3).equals("*");
        size = ranged ? Long.parseLong(m.group(3)) : -1;
      } else if (status == 416) {
        Matcher m = CONTENT_RANGE_UNSATISFIED.matcher(response.header("Content-Range").orElse(""));
        size = m.matches() ? Long.parseLong(m.group(1)) : 0;
        ranged = false;
      } else {
        size = response.connection().getContentLengthLong();
        ranged = false;
      }
      String contentType = response.header("Content-Type").orElse("");
      checkContentType(uri, url, contentType);
      Optional<String> etag = response.header("ETag");
      Optional<Instant> modified =
          response.header("Last-Modified").flatMap(HttpStorageClient::httpDate);
      RemoteObject object =
          RemoteObject.builder(response.uri().toString(), fileName)
              .size(size)
              .rangedReads(ranged)
              .contentType(contentType.isEmpty() ? null : contentType)
              .version(etag.orElse(modified.map(Instant::toString).orElse(null)))
              .lastModified(modified.orElse(null))
              .build();
      return Listing.ofObject(object);
    } finally {
      response.abort();
    }
  }

  /**
   * KServe's rule: a .zip must be served as a zip type, a tar as a tar/gzip type, anything else as
   * application/octet-stream.
   */
  private static void checkContentType(String uri, URI url, String contentType) {
    String type = archiveType(url.getRawPath());
    if (type == null && url.getRawQuery() != null) {
      type = archiveType(url.getRawQuery());
    }
    List<String> accepted =
        "zip".equals(type)
            ? ZIP_TYPES
            : "tar".equals(type) ? TAR_TYPES : List.of("application/octet-stream");
    if (accepted.stream().noneMatch(contentType::startsWith)) {
      throw new StorageException(
          Kind.UNSUPPORTED,
          "URI: "
              + redact(uri)
              + " did not respond with "
              + (accepted.size() == 1
                  ? "'Content-Type': '" + accepted.get(0) + "'"
                  : "any of following 'Content-Type': " + String.join(", ", accepted))
              + " (it sent '"
              + contentType
              + "'); serve the file with that type");
    }
  }

  private static String archiveType(String s) {
    if (s == null) {
      return null;
    }
    String n = s.toLowerCase(Locale.ROOT);
    if (n.endsWith(".zip")) {
      return "zip";
    }
    for (String suffix : List.of(".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")) {
      if (n.endsWith(suffix)) {
        return "tar";
      }
    }
    return null;
  }

  @Override
  public InputStream read(RemoteObject object, long offset, long length) {
    boolean ranged = offset > 0 || length >= 0;
    if (ranged && !object.rangedReads()) {
      throw StorageException.unsupported(
          "The server of " + redact(object.key()) + " does not serve byte ranges");
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
    Response response = send(url, extra, object.key());
    if (ranged && response.status() != 206) {
      response.abort();
      throw new StorageException(
          Kind.INTEGRITY,
          redact(object.key())
              + " answered a range request with "
              + response.status()
              + ": the file changed on the server during the transfer; run again");
    }
    try {
      return HttpBody.of(response.connection());
    } catch (IOException e) {
      response.abort();
      throw ioFailure(object.key(), e);
    }
  }

  /** Sends a GET, following redirects with each hop's own host headers, and maps error statuses. */
  private Response send(URI url, Map<String, String> extra, String forMessage) {
    URI current = url;
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpURLConnection c;
      int status;
      try {
        c = settings.proxies().open(current);
        c.setInstanceFollowRedirects(false);
        c.setConnectTimeout((int) settings.connectTimeout().toMillis());
        c.setReadTimeout((int) settings.readTimeout().toMillis());
        c.setUseCaches(false);
        if (c instanceof HttpsURLConnection https) {
          https.setSSLSocketFactory(tls);
          if (settings.insecure()) {
            https.setHostnameVerifier((host, session) -> true);
          }
        }
        HttpURLConnection conn = c;
        settings
            .headersFor(current.getHost())
            .forEach(
                (k, v) -> {
                  if (!RESTRICTED.contains(k.toLowerCase(Locale.ROOT))) {
                    conn.setRequestProperty(k, v);
                  }
                });
        extra.forEach(c::setRequestProperty);
        status = c.getResponseCode();
      } catch (IOException e) {
        throw ioFailure(forMessage, e);
      }
      Response response = new Response(c, current, status);
      if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
        Optional<String> location = response.header("Location");
        response.abort();
        if (location.isEmpty()) {
          throw new StorageException(
              Kind.INVALID_URI, "URI: " + redact(forMessage) + " redirected without a Location");
        }
        current = current.resolve(location.get());
        continue;
      }
      if (status >= 400 && status != 416) {
        StorageException failure = statusFailure(forMessage, response);
        response.abort();
        throw failure;
      }
      return response;
    }
    throw new StorageException(
        Kind.INVALID_URI,
        "URI: " + redact(forMessage) + " redirected more than " + MAX_REDIRECTS + " times");
  }

  private StorageException statusFailure(String uri, Response response) {
    int status = response.status();
    String base = "URI: " + redact(uri) + " returned a " + status + " response code";
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
      case 408, 425, 429, 500, 502, 503, 504 ->
          new StorageException(Kind.TRANSIENT, base, null, retryAfter(response).orElse(null));
      default ->
          status >= 500
              ? new StorageException(Kind.TRANSIENT, base, null, retryAfter(response).orElse(null))
              : new StorageException(Kind.INVALID_URI, base);
    };
  }

  private StorageException ioFailure(String uri, IOException e) {
    if (e instanceof SSLException) {
      return new StorageException(
          Kind.INVALID_CONFIG,
          "TLS with "
              + redact(uri)
              + " failed: "
              + e.getMessage()
              + " (CA bundle in use: "
              + settings.caBundle().map(Object::toString).orElse("system CAs only")
              + "); mount the server's CA with CA_BUNDLE_CONFIGMAP_NAME or STORAGE_HTTP_CA_BUNDLE",
          e);
    }
    String what =
        e instanceof ConnectException
            ? "cannot connect to"
            : e instanceof SocketTimeoutException ? "timed out talking to" : "I/O error with";
    return StorageException.transientFailure(what + " " + redact(uri) + ": " + e, e);
  }

  private static Optional<Duration> retryAfter(Response response) {
    Optional<String> v = response.header("Retry-After");
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
          Kind.INVALID_URI, "Invalid URL " + redact(uri) + ": " + e.getReason());
    }
  }

  /** Drops user info and query strings (which may carry signatures) from URLs in messages. */
  static String redact(String uri) {
    return uri.replaceFirst("^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@?#]*@", "$1")
        .replaceFirst("\\?.*$", "?...");
  }

  @Override
  public void close() {
    // Idle kept-alive connections belong to the JDK's cache, which closes them when they time out.
  }
}
