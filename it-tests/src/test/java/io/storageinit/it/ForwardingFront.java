package io.storageinit.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP front on 127.0.0.1 to a real store (an emulator that takes any request): it forwards each
 * request with its header fields, records what Authorization each carried, can refuse those without
 * an expected one (as the real store refuses a missing token, where the emulator does not), and can
 * run an action before the second read of an object, to change the object between two ranges of one
 * download.
 */
final class ForwardingFront implements AutoCloseable {
  private static final Set<String> HOP_BY_HOP =
      Set.of("host", "connection", "content-length", "transfer-encoding", "keep-alive", "upgrade");

  private final HttpServer server;
  private final String upstream;
  private final HttpClient http = HttpClient.newHttpClient();
  private volatile String requiredAuthorization;
  private volatile String readMarker;
  private volatile Runnable beforeSecondRead;
  final List<String> authorizations = new CopyOnWriteArrayList<>();
  final AtomicInteger reads = new AtomicInteger();

  /**
   * @param upstream the store's base URL, {@code http://127.0.0.1:port}
   */
  ForwardingFront(String upstream) throws IOException {
    this.upstream = upstream;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.createContext("/", this::forward);
    server.start();
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Answers 401 to requests whose Authorization is not {@code expected}. */
  ForwardingFront require(String expected) {
    this.requiredAuthorization = expected;
    return this;
  }

  /**
   * Runs {@code action} before forwarding the second GET whose request line contains {@code marker}
   * (an object read, not a listing).
   */
  ForwardingFront beforeSecondRead(String marker, Runnable action) {
    this.readMarker = marker;
    this.beforeSecondRead = action;
    return this;
  }

  private void forward(HttpExchange x) throws IOException {
    try (x) {
      String auth = x.getRequestHeaders().getFirst("Authorization");
      authorizations.add(String.valueOf(auth));
      if (requiredAuthorization != null && !requiredAuthorization.equals(auth)) {
        byte[] body =
            "{\"error\": {\"code\": 401, \"message\": \"Invalid Credentials\"}}"
                .getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(401, body.length);
        x.getResponseBody().write(body);
        return;
      }
      String target = x.getRequestURI().toString();
      String marker = readMarker;
      if (marker != null
          && x.getRequestMethod().equals("GET")
          && target.contains(marker)
          && reads.incrementAndGet() == 2
          && beforeSecondRead != null) {
        beforeSecondRead.run();
      }
      HttpRequest.Builder req =
          HttpRequest.newBuilder(URI.create(upstream + target))
              .method(x.getRequestMethod(), HttpRequest.BodyPublishers.noBody());
      x.getRequestHeaders()
          .forEach(
              (name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                  values.forEach(v -> req.header(name, v));
                }
              });
      HttpResponse<InputStream> r =
          http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
      r.headers()
          .map()
          .forEach(
              (name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT))
                    && !name.startsWith(":")) {
                  x.getResponseHeaders().put(name, values);
                }
              });
      long length = r.headers().firstValueAsLong("Content-Length").orElse(-1);
      boolean head = x.getRequestMethod().equals("HEAD");
      if (head) {
        // The length of what a GET would give: HttpServer sends no body and no Content-Length.
        r.headers()
            .firstValue("Content-Length")
            .ifPresent(v -> x.getResponseHeaders().set("Content-Length", v));
      }
      x.sendResponseHeaders(r.statusCode(), head || length == 0 ? -1 : length < 0 ? 0 : length);
      try (InputStream in = r.body();
          OutputStream out = x.getResponseBody()) {
        if (!head) {
          in.transferTo(out);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
