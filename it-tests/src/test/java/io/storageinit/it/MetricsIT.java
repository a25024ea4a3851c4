package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.storageinit.http.TestHttpServer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run's metrics reach a Prometheus text file and a real Pushgateway (Debian's
 * prometheus-pushgateway, which .ci/run installs), both showing the bytes transferred.
 */
class MetricsIT {
  static final Path PUSHGATEWAY = Path.of("/usr/bin/prometheus-pushgateway");

  @TempDir Path tmp;

  @Test
  void theMetricsFileAndThePushgatewayShowTheBytesTransferred() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(PUSHGATEWAY),
        "needs Debian's prometheus-pushgateway (apt-get install prometheus-pushgateway)");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Process gateway =
        new ProcessBuilder(PUSHGATEWAY.toString(), "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("pushgateway.log").toFile())
            .start();
    Path www = Files.createDirectories(tmp.resolve("www"));
    Files.write(www.resolve("model.bin"), new byte[300_000]);
    try (TestHttpServer server = TestHttpServer.start(www)) {
      HttpClient http = HttpClient.newHttpClient();
      URI metricsUrl = URI.create("http://127.0.0.1:" + port + "/metrics");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        try {
          http.send(
              HttpRequest.newBuilder(metricsUrl).build(), HttpResponse.BodyHandlers.discarding());
          break;
        } catch (java.io.IOException e) {
          assertThat(System.nanoTime()).as("the Pushgateway did not start").isLessThan(deadline);
          Thread.onSpinWait();
        }
      }
      Path file = tmp.resolve("textfile/storage_initializer.prom");
      Files.createDirectories(file.getParent());
      Cli.Result r =
          Cli.run(
              Map.of(
                  "STORAGE_METRICS_FILE",
                  file.toString(),
                  "STORAGE_METRICS_PUSHGATEWAY",
                  "127.0.0.1:" + port,
                  "HOSTNAME",
                  "pod-1"),
              server.url("model.bin"),
              tmp.resolve("out").toString());
      assertThat(r.exitCode()).as(r.output()).isZero();
      String bytesLine =
          "storage_initializer_bytes_total{provider=\"http\",scheme=\"http\"} 300000.0";
      assertThat(Files.readString(file))
          .contains(bytesLine)
          .contains("storage_initializer_download_seconds_count");
      String pushed =
          http.send(
                  HttpRequest.newBuilder(metricsUrl).build(), HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(pushed)
          .containsPattern(
              "storage_initializer_bytes_total\\{[^}]*instance=\"pod-1\"[^}]*job=\"storage_initializer\"[^}]*provider=\"http\"[^}]*\\} 300000");
    } finally {
      gateway.destroy();
      gateway.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
