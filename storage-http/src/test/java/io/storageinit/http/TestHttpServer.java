package io.storageinit.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * A real HTTP/1.1 file server on 127.0.0.1 for tests: serves a folder with byte ranges, ETags,
 * Last-Modified and Content-Type, and injects the faults a model download meets in the wild
 * (connections reset mid-body, 503 with Retry-After, missing credentials, redirects, slow links).
 */
public final class TestHttpServer implements AutoCloseable {
  /** One request as the server saw it. */
  public record Seen(String method, String path, Map<String, List<String>> headers) {
    public String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0))
          .findFirst()
          .orElse(null);
    }
  }

  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

  private final Path root;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(16);
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final Map<String, String> contentTypes = new ConcurrentHashMap<>();
  private final Map<String, String> redirects = new ConcurrentHashMap<>();
  private volatile boolean ranges = true;
  private volatile String requiredAuthorization;
  private final AtomicInteger resetsLeft = new AtomicInteger();
  private volatile long resetAfterBytes;
  private final AtomicInteger unavailableLeft = new AtomicInteger();
  private volatile int retryAfterSeconds;
  private volatile long bytesPerSecond;
  private volatile long dripMillis;
  private final AtomicInteger shiftedRangesLeft = new AtomicInteger();
  private final AtomicLong bodyBytes = new AtomicLong();

  private TestHttpServer(Path root, HttpServer server) {
    this.root = root;
    this.server = server;
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /** Starts a plain HTTP server over {@code root}. */
  public static TestHttpServer start(Path root) throws IOException {
    return new TestHttpServer(
        root, HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64));
  }

  /** Starts an HTTPS server over {@code root} with the given server TLS context. */
  public static TestHttpServer startTls(Path root, SSLContext tls) throws IOException {
    HttpsServer https =
        HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    https.setHttpsConfigurator(new HttpsConfigurator(tls));
    return new TestHttpServer(root, https);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The URL of a path on this server, with host 127.0.0.1. */
  public String url(String path) {
    String scheme = server instanceof HttpsServer ? "https" : "http";
    return scheme + "://127.0.0.1:" + port() + "/" + path;
  }

  public Path root() {
    return root;
  }

  /** Serves {@code path} with this Content-Type instead of the one its extension implies. */
  public TestHttpServer contentType(String path, String type) {
    contentTypes.put("/" + path, type);
    return this;
  }

  /** Turns byte-range support on or off (off: ranges are ignored and 200 is sent). */
  public TestHttpServer ranges(boolean on) {
    this.ranges = on;
    return this;
  }

  /** Requires this exact Authorization header, else 401. */
  public TestHttpServer requireAuthorization(String value) {
    this.requiredAuthorization = value;
    return this;
  }

  /** The next {@code times} bodies are cut off (connection closed) after {@code afterBytes}. */
  public TestHttpServer resetConnections(int times, long afterBytes) {
    this.resetAfterBytes = afterBytes;
    this.resetsLeft.set(times);
    return this;
  }

  /** The next {@code times} requests get 503 with {@code Retry-After: seconds}. */
  public TestHttpServer unavailable(int times, int retryAfterSeconds) {
    this.retryAfterSeconds = retryAfterSeconds;
    this.unavailableLeft.set(times);
    return this;
  }

  /** Limits each response body to about this many bytes per second (0: unlimited). */
  public TestHttpServer throttle(long bytesPerSecond) {
    this.bytesPerSecond = bytesPerSecond;
    return this;
  }

  /**
   * Sends each body one byte at a time, {@code millis} apart (0: off): a server that is never quite
   * silent, so no read times out.
   */
  public TestHttpServer drip(long millis) {
    this.dripMillis = millis;
    return this;
  }

  /**
   * The next {@code times} ranged answers are of the range one byte further on than asked, with a
   * Content-Range saying so: a server (or a cache in front of one) that answers another range.
   */
  public TestHttpServer shiftRanges(int times) {
    this.shiftedRangesLeft.set(times);
    return this;
  }

  /** Redirects {@code path} to {@code location} with a 302. */
  public TestHttpServer redirect(String path, String location) {
    redirects.put("/" + path, location);
    return this;
  }

  public List<Seen> requests() {
    return List.copyOf(seen);
  }

  /** Body bytes sent so far, over all responses. */
  public long bodyBytesSent() {
    return bodyBytes.get();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = URLDecoder.decode(ex.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
      seen.add(new Seen(ex.getRequestMethod(), path, Map.copyOf(ex.getRequestHeaders())));
      InputStream body = ex.getRequestBody();
      body.readAllBytes();
      if (redirects.containsKey(path)) {
        ex.getResponseHeaders().set("Location", redirects.get(path));
        ex.sendResponseHeaders(302, -1);
        return;
      }
      if (unavailableLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        ex.getResponseHeaders().set("Retry-After", String.valueOf(retryAfterSeconds));
        ex.sendResponseHeaders(503, -1);
        return;
      }
      if (requiredAuthorization != null
          && !requiredAuthorization.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        ex.sendResponseHeaders(401, -1);
        return;
      }
      Path file = root.resolve(path.substring(1)).normalize();
      if (!file.startsWith(root) || !Files.isRegularFile(file)) {
        ex.sendResponseHeaders(404, -1);
        return;
      }
      long size = Files.size(file);
      long modified = Files.getLastModifiedTime(file).toMillis();
      String etag = "\"" + Long.toHexString(size) + "-" + Long.toHexString(modified) + "\"";
      var h = ex.getResponseHeaders();
      h.set("Content-Type", contentTypes.getOrDefault(path, typeOf(path)));
      h.set("ETag", etag);
      h.set(
          "Last-Modified",
          DateTimeFormatter.RFC_1123_DATE_TIME.format(
              java.time.Instant.ofEpochMilli(modified).atZone(ZoneOffset.UTC)));
      long from = 0;
      long to = size - 1;
      int status = 200;
      String range = ex.getRequestHeaders().getFirst("Range");
      String ifRange = ex.getRequestHeaders().getFirst("If-Range");
      if (ranges) {
        h.set("Accept-Ranges", "bytes");
        Matcher m = range == null ? null : RANGE.matcher(range);
        if (m != null && m.matches() && (ifRange == null || ifRange.equals(etag))) {
          from = Long.parseLong(m.group(1));
          to = m.group(2).isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(m.group(2)));
          if (from >= size) {
            h.set("Content-Range", "bytes */" + size);
            ex.sendResponseHeaders(416, -1);
            return;
          }
          if (from > 0
              && to < size - 1
              && shiftedRangesLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            from++;
            to++;
          }
          h.set("Content-Range", "bytes " + from + "-" + to + "/" + size);
          status = 206;
        }
      }
      long length = to - from + 1;
      ex.sendResponseHeaders(status, length == 0 ? -1 : length);
      if (ex.getRequestMethod().equals("HEAD") || length == 0) {
        return;
      }
      long cutAt =
          resetsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? resetAfterBytes : Long.MAX_VALUE;
      send(ex, file, from, length, cutAt);
    } catch (IOException e) {
      // The client went away; nothing to report.
    }
  }

  private void send(HttpExchange ex, Path file, long from, long length, long cutAt)
      throws IOException {
    OutputStream out = ex.getResponseBody();
    try (var ch = java.nio.channels.FileChannel.open(file)) {
      ch.position(from);
      InputStream in = java.nio.channels.Channels.newInputStream(ch);
      byte[] buf = new byte[64 * 1024];
      long sent = 0;
      long started = System.nanoTime();
      while (sent < length) {
        int want = (int) Math.min(dripMillis > 0 ? 1 : buf.length, length - sent);
        if (sent + want > cutAt) {
          want = (int) (cutAt - sent);
        }
        if (want <= 0) {
          out.flush();
          // Abandon the exchange mid-body: the JDK server closes the connection.
          throw new IOException("injected reset");
        }
        int n = in.read(buf, 0, want);
        if (n < 0) {
          break;
        }
        out.write(buf, 0, n);
        sent += n;
        bodyBytes.addAndGet(n);
        if (dripMillis > 0) {
          out.flush();
          try {
            Thread.sleep(dripMillis);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
          }
        }
        long bps = bytesPerSecond;
        if (bps > 0) {
          long due = started + sent * 1_000_000_000L / bps;
          long wait = due - System.nanoTime();
          if (wait > 0) {
            try {
              Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IOException(e);
            }
          }
        }
      }
    }
  }

  private static String typeOf(String path) {
    String p = path.toLowerCase(Locale.ROOT);
    if (p.endsWith(".zip")) {
      return "application/zip";
    }
    if (p.endsWith(".tar")) {
      return "application/x-tar";
    }
    if (p.endsWith(".tgz") || p.endsWith(".gz")) {
      return "application/gzip";
    }
    if (p.endsWith(".html")) {
      return "text/html";
    }
    return "application/octet-stream";
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
