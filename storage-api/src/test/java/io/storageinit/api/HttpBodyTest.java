package io.storageinit.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which client port each request came from tells whether the JDK reused the connection. */
class HttpBodyTest {
  /** Small enough that the JDK would drain it and reuse the connection if left to itself. */
  private static final int SIZE = 64 << 10;

  private final List<Integer> clientPorts = new CopyOnWriteArrayList<>();
  private HttpServer server;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          clientPorts.add(exchange.getRemoteAddress().getPort());
          exchange.sendResponseHeaders(200, SIZE);
          try {
            exchange.getResponseBody().write(new byte[SIZE]);
          } catch (java.io.IOException dropped) {
            // The client went away mid-body: what the early close is meant to do.
          }
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private InputStream get() throws Exception {
    HttpURLConnection c =
        (HttpURLConnection)
            URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/m")
                .toURL()
                .openConnection();
    assertThat(c.getResponseCode()).isEqualTo(200);
    return HttpBody.of(c);
  }

  @Test
  void aBodyReadToTheEndLeavesItsConnectionForTheNextRequest() throws Exception {
    try (InputStream in = get()) {
      assertThat(in.readAllBytes()).hasSize(SIZE);
    }
    try (InputStream in = get()) {
      assertThat(in.readAllBytes()).hasSize(SIZE);
    }
    assertThat(clientPorts).hasSize(2);
    assertThat(clientPorts.get(1)).isEqualTo(clientPorts.get(0));
  }

  @Test
  void aBodyClosedEarlyDropsItsConnectionInsteadOfDrainingIt() throws Exception {
    try (InputStream in = get()) {
      assertThat(in.readNBytes(1000)).hasSize(1000);
    }
    try (InputStream in = get()) {
      assertThat(in.readAllBytes()).hasSize(SIZE);
    }
    assertThat(clientPorts).hasSize(2);
    assertThat(clientPorts.get(1)).isNotEqualTo(clientPorts.get(0));
  }
}
