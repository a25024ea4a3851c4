package io.storageinit.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageException;
import io.storageinit.tck.TestProviderContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A hostile S3 endpoint whose listing never ends: every page is truncated and names the same
 * continuation token. The listing must fail as an invalid answer, after two pages, not list for
 * ever.
 */
class S3HostileListingTest {
  private HttpServer server;
  private final AtomicInteger pages = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        ex -> {
          byte[] body;
          int status;
          if (ex.getRequestMethod().equals("HEAD")) {
            status = 404;
            body = new byte[0];
          } else {
            int n = pages.incrementAndGet();
            status = 200;
            body =
                ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>b</Name>"
                        + "<Contents><Key>m/f"
                        + n
                        + "</Key><Size>1</Size><ETag>\"e\"</ETag>"
                        + "<LastModified>2026-01-01T00:00:00.000Z</LastModified></Contents>"
                        + "<IsTruncated>true</IsTruncated>"
                        + "<NextContinuationToken>again</NextContinuationToken></ListBucketResult>")
                    .getBytes(StandardCharsets.UTF_8);
          }
          ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
          if (body.length > 0) {
            ex.getResponseBody().write(body);
          }
          ex.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void aRepeatedContinuationTokenIsAnInvalidAnswerNotAnEndlessListing() {
    Map<String, String> env =
        Map.of(
            "AWS_ENDPOINT_URL",
            "http://127.0.0.1:" + server.getAddress().getPort(),
            "awsAnonymousCredential",
            "true",
            "AWS_DEFAULT_REGION",
            "us-east-1");
    try (StorageClient client = new S3StorageProvider().open(new TestProviderContext(env))) {
      assertThatThrownBy(() -> client.list("s3://b/m"))
          .isInstanceOfSatisfying(
              StorageException.class,
              e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.INTEGRITY))
          .hasMessageContaining("is not valid")
          .hasMessageContaining("continuation token it had sent before");
    }
    assertThat(pages.get()).isEqualTo(2);
  }
}
