package io.storageinit.s3;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A tiny S3 endpoint for {@code bin/storage-initializer-train} only: it serves one bucket, {@code
 * training}, with a small model (a config, a safetensors file large enough to be read in ranges, a
 * tokenizer file), answering HEAD, ListObjectsV2 and ranged GETs without checking signatures. A
 * training run against it goes down the same path a real download does (listing, signing, parallel
 * ranges, validation), so the start-up cache the image ships holds those classes. Never used to
 * serve models.
 *
 * <pre>java -cp 'plugins/s3/*:plugins/s3/lib/*:lib/*' io.storageinit.s3.TrainingStore PORT_FILE
 * </pre>
 */
public final class TrainingStore {
  private static final String BUCKET = "training";
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");
  private static final String MODIFIED =
      DateTimeFormatter.RFC_1123_DATE_TIME.format(
          ZonedDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC));

  private final Map<String, byte[]> objects = new TreeMap<>();

  private TrainingStore() {
    objects.put("model/config.json", "{\"architectures\": [\"Training\"]}\n".getBytes(UTF8));
    objects.put("model/tokenizer/vocab.txt", "a\nb\nc\n".getBytes(UTF8));
    objects.put("model/model.safetensors", safetensors(9 << 20));
  }

  private static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;

  /** A valid safetensors file of one U8 tensor filling {@code dataBytes}. */
  private static byte[] safetensors(int dataBytes) {
    byte[] header =
        ("{\"w\":{\"dtype\":\"U8\",\"shape\":["
                + dataBytes
                + "],\"data_offsets\":[0,"
                + dataBytes
                + "]}}")
            .getBytes(UTF8);
    ByteBuffer b =
        ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(header.length).put(header);
    return b.array();
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: TrainingStore PORT_FILE");
      System.exit(2);
    }
    TrainingStore store = new TrainingStore();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", store::handle);
    server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8));
    server.start();
    Path portFile = Path.of(args[0]);
    Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
    Files.writeString(tmp, String.valueOf(server.getAddress().getPort()));
    Files.move(tmp, portFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = URLDecoder.decode(exchange.getRequestURI().getRawPath(), UTF8);
      String query = exchange.getRequestURI().getRawQuery();
      if (!path.startsWith("/" + BUCKET)) {
        error(exchange, 404, "NoSuchBucket");
        return;
      }
      String key = path.length() > BUCKET.length() + 2 ? path.substring(BUCKET.length() + 2) : "";
      if (key.isEmpty() && query != null && query.contains("list-type=2")) {
        list(exchange, param(query, "prefix"));
        return;
      }
      byte[] body = objects.get(key);
      if (body == null) {
        error(exchange, 404, "NoSuchKey");
        return;
      }
      exchange.getResponseHeaders().set("ETag", "\"" + md5(body) + "\"");
      exchange.getResponseHeaders().set("Last-Modified", MODIFIED);
      exchange.getResponseHeaders().set("Accept-Ranges", "bytes");
      if (exchange.getRequestMethod().equals("HEAD")) {
        exchange.getResponseHeaders().set("Content-Length", String.valueOf(body.length));
        exchange.sendResponseHeaders(200, -1);
        return;
      }
      int from = 0;
      int to = body.length - 1;
      int status = 200;
      String range = exchange.getRequestHeaders().getFirst("Range");
      if (range != null) {
        Matcher m = RANGE.matcher(range);
        if (m.matches()) {
          from = Integer.parseInt(m.group(1));
          to = m.group(2).isEmpty() ? to : Math.min(to, Integer.parseInt(m.group(2)));
          status = 206;
          exchange
              .getResponseHeaders()
              .set("Content-Range", "bytes " + from + "-" + to + "/" + body.length);
        }
      }
      exchange.sendResponseHeaders(status, to - from + 1);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body, from, to - from + 1);
      }
    }
  }

  private void list(HttpExchange exchange, String prefix) throws IOException {
    StringBuilder xml =
        new StringBuilder(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult"
                    + " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>training</Name><Prefix>")
            .append(prefix)
            .append("</Prefix><IsTruncated>false</IsTruncated>");
    objects.forEach(
        (key, body) -> {
          if (key.startsWith(prefix)) {
            xml.append("<Contents><Key>")
                .append(key)
                .append("</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>&quot;")
                .append(md5(body))
                .append("&quot;</ETag><Size>")
                .append(body.length)
                .append("</Size></Contents>");
          }
        });
    byte[] bytes = xml.append("</ListBucketResult>").toString().getBytes(UTF8);
    exchange.getResponseHeaders().set("Content-Type", "application/xml");
    exchange.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static void error(HttpExchange exchange, int status, String code) throws IOException {
    if (exchange.getRequestMethod().equals("HEAD")) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    byte[] bytes =
        ("<Error><Code>" + code + "</Code><Message>" + code + "</Message></Error>").getBytes(UTF8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static String param(String query, String name) {
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(name)) {
        return URLDecoder.decode(pair.substring(eq + 1), UTF8);
      }
    }
    return "";
  }

  private static String md5(byte[] body) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
