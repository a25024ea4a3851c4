package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real command against an S3 endpoint whose listing trickles: a valid ListObjectsV2 answer sent
 * a byte every 100 ms, which never trips a read timeout. The minimum-rate rule that holds object
 * bodies holds listing pages too.
 */
class HostileS3ListingIT {
  @TempDir Path tmp;

  @Test
  void aListingThatTricklesIsCutByTheMinimumRateAndTheRunEnds() throws Exception {
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.setExecutor(Executors.newCachedThreadPool());
    byte[] page =
        ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>b</Name>"
                + "<Contents><Key>m/model.bin</Key><Size>1</Size><ETag>\"e\"</ETag>"
                + "<LastModified>2026-01-01T00:00:00.000Z</LastModified></Contents>"
                + "<IsTruncated>false</IsTruncated></ListBucketResult>")
            .getBytes(StandardCharsets.UTF_8);
    server.createContext(
        "/",
        ex -> {
          if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
          }
          ex.getResponseHeaders().set("Content-Type", "application/xml");
          ex.sendResponseHeaders(200, page.length);
          try (OutputStream out = ex.getResponseBody()) {
            for (byte b : page) {
              out.write(b);
              out.flush();
              Thread.sleep(100);
            }
          } catch (InterruptedException | java.io.IOException e) {
            // The client gave up on us: that is the point.
          }
          ex.close();
        });
    server.start();
    try {
      Map<String, String> env =
          Map.of(
              "AWS_ENDPOINT_URL", "http://127.0.0.1:" + server.getAddress().getPort(),
              "awsAnonymousCredential", "true",
              "AWS_DEFAULT_REGION", "us-east-1",
              "STORAGE_MIN_RATE", "1KiB",
              "STORAGE_MIN_RATE_WINDOW_SECONDS", "2",
              "STORAGE_MAX_ATTEMPTS", "2",
              "STORAGE_RETRY_INITIAL_DELAY_MS", "10");
      long started = System.nanoTime();
      Path dest = tmp.resolve("mnt/models");
      Cli.Result r = Cli.run(env, "s3://b/m", dest.toString());
      long seconds = (System.nanoTime() - started) / 1_000_000_000L;
      assertThat(r.exitCode()).as(r.output()).isEqualTo(5);
      assertThat(r.output()).contains("below STORAGE_MIN_RATE=1024 B/s");
      assertThat(seconds).as("two windows of 2 s and a retry, not the page's 20 s").isLessThan(15);
      assertThat(Cli.tree(dest)).isEmpty();
    } finally {
      server.stop(0);
    }
  }
}
