package io.storageinit.kit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The lean HTTP/1.1 client against the JDK's HTTP server (keep-alive, chunked bodies) and against a
 * scripted socket server for what a well-behaved server never does.
 */
class Http1Test {
  private static final byte[] DATA = data(100_000);

  private HttpServer jdk;
  private ServerSocket raw;
  private final List<Integer> clientPorts = new CopyOnWriteArrayList<>();
  private final Http1 http =
      Http1.builder()
          .tls(() -> null)
          .verifyHost(false)
          .connectTimeout(java.time.Duration.ofSeconds(2))
          .readTimeout(java.time.Duration.ofSeconds(2))
          .build();

  @AfterEach
  void stop() throws IOException {
    http.close();
    if (jdk != null) {
      jdk.stop(0);
    }
    if (raw != null) {
      raw.close();
    }
  }

  private int startJdkServer() throws IOException {
    jdk = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    jdk.createContext(
        "/",
        exchange -> {
          clientPorts.add(exchange.getRemoteAddress().getPort());
          String path = exchange.getRequestURI().getPath();
          boolean chunked = path.startsWith("/chunked");
          boolean head = exchange.getRequestMethod().equals("HEAD");
          exchange
              .getResponseHeaders()
              .add("X-Seen-Agent", exchange.getRequestHeaders().getFirst("User-Agent"));
          exchange
              .getResponseHeaders()
              .add("X-Seen-Host", exchange.getRequestHeaders().getFirst("Host"));
          exchange.getResponseHeaders().add("X-Twice", "a");
          exchange.getResponseHeaders().add("X-Twice", "b");
          int status = path.startsWith("/missing") ? 404 : 200;
          exchange.sendResponseHeaders(status, head ? -1 : chunked ? 0 : DATA.length);
          if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
              for (int i = 0; i < DATA.length; i += 7_000) {
                out.write(DATA, i, Math.min(7_000, DATA.length - i));
                out.flush();
              }
            }
          }
          exchange.close();
        });
    jdk.start();
    return jdk.getAddress().getPort();
  }

  private Http1.Response get(int port, String path) throws IOException {
    return send("GET", port, path);
  }

  private Http1.Response send(String method, int port, String path) throws IOException {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Host", "127.0.0.1:" + port);
    return http.send(method, false, "127.0.0.1", port, path, headers);
  }

  @Test
  void bodiesReadToTheEndLeaveTheirConnectionForTheNextRequest() throws IOException {
    int port = startJdkServer();
    for (String path : List.of("/a", "/chunked/b", "/c", "/missing")) {
      Http1.Response r = get(port, path);
      try (InputStream in = r.body()) {
        assertThat(in.readAllBytes()).as(path).isEqualTo(DATA);
      }
    }
    Http1.Response head = send("HEAD", port, "/d");
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.body().read()).isEqualTo(-1);
    assertThat(get(port, "/missing").status()).isEqualTo(404);
    assertThat(clientPorts).hasSize(6);
    assertThat(clientPorts.stream().distinct()).as("one connection for all").hasSize(1);
  }

  @Test
  void bodiesReadAsChannelsGoStraightIntoDirectBuffers() throws IOException {
    int port = startJdkServer();
    for (String path : List.of("/a", "/chunked/b", "/c")) {
      Http1.Response r = get(port, path);
      assertThat(r.body()).isInstanceOf(ReadableByteChannel.class);
      ReadableByteChannel ch = (ReadableByteChannel) r.body();
      ByteBuffer direct = ByteBuffer.allocateDirect(DATA.length + 10);
      while (ch.read(direct) >= 0) {
        assertThat(direct.hasRemaining()).isTrue();
      }
      assertThat(ch.isOpen()).isFalse();
      direct.flip();
      byte[] got = new byte[direct.remaining()];
      direct.get(got);
      assertThat(got).as(path).isEqualTo(DATA);
    }
    assertThat(clientPorts.stream().distinct()).as("one connection for all").hasSize(1);
  }

  @Test
  void anIpv6LiteralInBracketsIsReached() throws IOException {
    InetAddress v6;
    try {
      v6 = InetAddress.getByName("::1");
      new ServerSocket(0, 1, v6).close();
    } catch (IOException e) {
      org.junit.jupiter.api.Assumptions.abort("no IPv6 loopback here: " + e);
      return;
    }
    jdk = HttpServer.create(new InetSocketAddress(v6, 0), 0);
    jdk.createContext(
        "/",
        exchange -> {
          exchange
              .getResponseHeaders()
              .add("X-Seen-Host", exchange.getRequestHeaders().getFirst("Host"));
          exchange.sendResponseHeaders(200, 2);
          exchange.getResponseBody().write("v6".getBytes(StandardCharsets.US_ASCII));
          exchange.close();
        });
    jdk.start();
    int port = jdk.getAddress().getPort();
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Host", "[::1]:" + port);
    Http1.Response r = http.send("GET", false, "[::1]", port, "/", headers);
    try (InputStream in = r.body()) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("v6");
    }
    assertThat(r.header("X-Seen-Host")).isEqualTo("[::1]:" + port);
  }

  @Test
  void theResponseHeadIsReadAsTheServerSentIt() throws IOException {
    int port = startJdkServer();
    Http1.Response r = get(port, "/a");
    r.body().close();
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-length")).isEqualTo(String.valueOf(DATA.length));
    assertThat(r.header("X-Seen-Agent")).isEqualTo("storage-initializer");
    assertThat(r.header("X-Seen-Host")).isEqualTo("127.0.0.1:" + port);
    assertThat(r.header("x-twice")).isEqualTo("a, b");
  }

  @Test
  void aBodyClosedEarlyDropsItsConnection() throws IOException {
    int port = startJdkServer();
    Http1.Response first = get(port, "/a");
    InputStream in = first.body();
    assertThat(in.readNBytes(10)).isEqualTo(Arrays.copyOf(DATA, 10));
    in.close();
    assertThat(in.read()).isEqualTo(-1);
    try (InputStream second = get(port, "/chunked/b").body()) {
      assertThat(second.readAllBytes()).isEqualTo(DATA);
    }
    assertThat(clientPorts).hasSize(2);
    assertThat(clientPorts.get(0)).isNotEqualTo(clientPorts.get(1));
  }

  @Test
  void parallelRequestsEachGetTheirOwnConnectionAndAllReturnToThePool() throws Exception {
    int port = startJdkServer();
    List<Thread> threads = new ArrayList<>();
    AtomicInteger good = new AtomicInteger();
    for (int t = 0; t < 4; t++) {
      Thread thread =
          new Thread(
              () -> {
                for (int i = 0; i < 5; i++) {
                  try (InputStream in = get(port, i % 2 == 0 ? "/x" : "/chunked/y").body()) {
                    if (Arrays.equals(in.readAllBytes(), DATA)) {
                      good.incrementAndGet();
                    }
                  } catch (IOException e) {
                    throw new RuntimeException(e);
                  }
                }
              });
      thread.start();
      threads.add(thread);
    }
    for (Thread thread : threads) {
      thread.join();
    }
    assertThat(good).hasValue(20);
    assertThat(clientPorts.stream().distinct().count()).isBetween(1L, 4L);
  }

  /** A server that runs {@code script} on each connection it accepts. */
  private int startRawServer(Script script) throws IOException {
    raw = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    AtomicInteger n = new AtomicInteger();
    Thread acceptor =
        new Thread(
            () -> {
              while (!raw.isClosed()) {
                try {
                  Socket s = raw.accept();
                  int index = n.getAndIncrement();
                  Thread t =
                      new Thread(
                          () -> {
                            try (s) {
                              script.run(index, s);
                            } catch (IOException ignored) {
                              // The client went away: the test looks at what the client saw.
                            }
                          });
                  t.setDaemon(true);
                  t.start();
                } catch (IOException e) {
                  return;
                }
              }
            });
    acceptor.setDaemon(true);
    acceptor.start();
    return raw.getLocalPort();
  }

  interface Script {
    void run(int connection, Socket s) throws IOException;
  }

  /** Reads one request head. */
  private static String request(Socket s) throws IOException {
    StringBuilder b = new StringBuilder();
    InputStream in = s.getInputStream();
    while (!b.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new EOFException();
      }
      b.append((char) c);
    }
    return b.toString();
  }

  private static void write(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
  }

  @Test
  void aKeptAliveConnectionTheServerClosedIsReplacedUnnoticed() throws IOException {
    int port =
        startRawServer(
            (index, s) -> {
              request(s);
              write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n" + index + "!");
              // Closes after one response although it did not say so.
            });
    for (int i = 0; i < 3; i++) {
      try (InputStream in = get(port, "/k").body()) {
        assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo(i + "!");
      }
    }
  }

  @Test
  void connectionCloseAndHttp10AreNotKeptAlive() throws IOException {
    int port =
        startRawServer(
            (index, s) -> {
              request(s);
              write(
                  s,
                  index == 0
                      ? "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\na"
                      : "HTTP/1.0 200 OK\r\n\r\nuntil the end");
              if (index == 1) {
                s.shutdownOutput();
                s.getInputStream().read();
              }
            });
    try (InputStream in = get(port, "/1").body()) {
      assertThat(in.readAllBytes()).containsExactly('a');
    }
    try (InputStream in = get(port, "/2").body()) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII))
          .isEqualTo("until the end");
    }
  }

  @Test
  void aBodyCutShortIsAnErrorNotAShortFile() throws IOException {
    int port =
        startRawServer(
            (index, s) -> {
              request(s);
              write(s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this much");
            });
    InputStream in = get(port, "/short").body();
    assertThatThrownBy(in::readAllBytes)
        .isInstanceOf(EOFException.class)
        .hasMessageContaining("86 bytes early");
  }

  @Test
  void aServerThatNeverAnswersTimesOut() throws IOException {
    int port =
        startRawServer(
            (index, s) -> {
              request(s);
              try {
                Thread.sleep(5_000);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    assertThatThrownBy(() -> get(port, "/slow")).isInstanceOf(SocketTimeoutException.class);
  }

  @Test
  void aBodyThatStallsTimesOutRatherThanHangingTheTransfer() throws IOException {
    int port =
        startRawServer(
            (index, s) -> {
              request(s);
              write(s, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nthe start");
              try {
                Thread.sleep(10_000);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    ReadableByteChannel body = (ReadableByteChannel) get(port, "/stall").body();
    ByteBuffer buf = ByteBuffer.allocateDirect(1000);
    long start = System.nanoTime();
    assertThatThrownBy(
            () -> {
              while (body.read(buf) >= 0) {
                // Until the server stops sending.
              }
            })
        .isInstanceOf(SocketTimeoutException.class)
        .hasMessageContaining("2000 ms");
    assertThat(buf.position()).isEqualTo("the start".length());
    assertThat(System.nanoTime() - start).isLessThan(8_000_000_000L);
  }

  @Test
  void whatIsNotHttpIsRefusedWithWhatCameInstead() throws IOException {
    int port =
        startRawServer(
            (index, s) -> {
              request(s);
              write(
                  s,
                  switch (index) {
                    case 0 -> "SSH-2.0-OpenSSH\r\n\r\n";
                    case 1 -> "HTTP/1.1 2x0 OK\r\n\r\n";
                    default -> "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n";
                  });
            });
    assertThatThrownBy(() -> get(port, "/"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not an HTTP/1.x response: SSH-2.0-OpenSSH");
    assertThatThrownBy(() -> get(port, "/"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("malformed status line");
    assertThatThrownBy(() -> get(port, "/"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("malformed Content-Length: -5");
  }

  @Test
  void anEndlessResponseHeadIsRefused() throws IOException {
    int port =
        startRawServer(
            (index, s) -> {
              request(s);
              write(s, "HTTP/1.1 200 OK\r\n");
              for (int i = 0; i < 10_000; i++) {
                write(s, "X-Filler-" + i + ": " + "y".repeat(20) + "\r\n");
              }
            });
    assertThatThrownBy(() -> get(port, "/"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("response head larger than");
  }

  @Test
  void interimResponsesAreSkippedAndChunkTrailersRead() throws IOException {
    int port =
        startRawServer(
            (index, s) -> {
              request(s);
              write(
                  s,
                  "HTTP/1.1 100 Continue\r\n\r\n"
                      + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      + "5;ext=1\r\nhello\r\n1\r\n!\r\n0\r\nX-Trailer: t\r\n\r\n");
              request(s);
              write(s, "HTTP/1.1 204 No Content\r\n\r\n");
            });
    Http1.Response r = get(port, "/c");
    assertThat(r.status()).isEqualTo(200);
    try (InputStream in = r.body()) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("hello!");
    }
    assertThat(get(port, "/again").status()).as("on the same connection").isEqualTo(204);
  }

  @Test
  void aHeaderValueWithALineBreakIsNeverSent() {
    Map<String, String> headers = Map.of("Host", "h", "If-Match", "\"x\"\r\nX-Injected: 1");
    assertThatThrownBy(() -> http.send("GET", false, "127.0.0.1", 1, "/", headers))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("If-Match")
        .hasMessageContaining("line break")
        .hasMessageNotContaining("X-Injected");
  }

  private static byte[] data(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + (i >> 8));
    }
    return b;
  }
}
