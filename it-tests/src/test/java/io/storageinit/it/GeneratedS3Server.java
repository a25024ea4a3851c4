package io.storageinit.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An S3 endpoint (anonymous, path-style, ListObjectsV2) over a bucket {@code b} whose prefix {@code
 * m/} holds {@code count} generated objects of {@code size} bytes each, {@code
 * m/g-NNNN/file-NNNNNNN.json}, listed 1000 a page in key order with continuation tokens, as S3
 * lists them, and served by GET. It stores nothing: a repository of hundreds of thousands of keys
 * costs it no disk.
 */
final class GeneratedS3Server implements AutoCloseable {
  private static final int PAGE = 1000;
  private final HttpServer server;
  private final int count;
  private final int size;
  final AtomicInteger pages = new AtomicInteger();
  final AtomicInteger reads = new AtomicInteger();

  GeneratedS3Server(int count, int size) throws IOException {
    // Answers leave at once (no Nagle delay waiting for the client's ACK of the head).
    System.setProperty("sun.net.httpserver.nodelay", "true");
    this.count = count;
    this.size = size;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext("/", this::handle);
    server.start();
  }

  /** The key of object {@code i}; keys sort in the order of {@code i}. */
  static String key(int i) {
    return String.format("m/g-%04d/file-%07d.json", i / 1000, i);
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    if (ex.getRequestMethod().equals("GET") && path.startsWith("/b/m/")) {
      reads.incrementAndGet();
      byte[] body = new byte[size];
      java.util.Arrays.fill(body, (byte) 'x');
      ex.getResponseHeaders().set("ETag", "\"" + etag() + "\"");
      ex.getResponseHeaders().set("Last-Modified", "Thu, 01 Jan 2026 00:00:00 GMT");
      ex.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
      ex.getResponseBody().write(body);
      ex.close();
      return;
    }
    if (ex.getRequestMethod().equals("HEAD") || !path.equals("/b")) {
      answer(ex, 404, "<Error><Code>NoSuchKey</Code><Message>not here</Message></Error>");
      return;
    }
    Map<String, String> q = Forms.parse(ex.getRequestURI().getRawQuery());
    if (!"m/".equals(q.get("prefix"))) {
      answer(
          ex,
          200,
          "<ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated></ListBucketResult>");
      return;
    }
    pages.incrementAndGet();
    int from =
        q.containsKey("continuation-token") ? Integer.parseInt(q.get("continuation-token")) : 0;
    int to = Math.min(count, from + PAGE);
    StringBuilder b = new StringBuilder(PAGE * 200);
    b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>b</Name>");
    b.append("<Prefix>m/</Prefix><KeyCount>").append(to - from).append("</KeyCount>");
    for (int i = from; i < to; i++) {
      b.append("<Contents><Key>")
          .append(key(i))
          .append("</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>")
          .append("<ETag>\"")
          .append(etag())
          .append("\"</ETag><Size>")
          .append(size)
          .append("</Size>")
          .append("<StorageClass>STANDARD</StorageClass></Contents>");
    }
    b.append("<IsTruncated>").append(to < count).append("</IsTruncated>");
    if (to < count) {
      b.append("<NextContinuationToken>").append(to).append("</NextContinuationToken>");
    }
    b.append("</ListBucketResult>");
    answer(ex, 200, b.toString());
  }

  /** The MD5 of every object's bytes, as S3 gives it for a single-part upload. */
  private String etag() {
    try {
      byte[] body = new byte[size];
      java.util.Arrays.fill(body, (byte) 'x');
      return java.util.HexFormat.of()
          .formatHex(java.security.MessageDigest.getInstance("MD5").digest(body));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void answer(HttpExchange ex, int status, String xml) throws IOException {
    byte[] body = xml.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/xml");
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(status, -1);
    } else {
      ex.sendResponseHeaders(status, body.length);
      ex.getResponseBody().write(body);
    }
    ex.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
