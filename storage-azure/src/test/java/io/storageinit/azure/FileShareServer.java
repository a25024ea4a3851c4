package io.storageinit.azure;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A server of the Azure Files REST API over a local folder (one subfolder per share), for tests: no
 * emulator of the File service exists. It serves what a reader needs — List Directories and Files
 * (with {@code marker} and {@code maxresults}), Get File (with {@code Range} or {@code
 * x-ms-range}), Get File Properties — and checks every request's credentials as the service defines
 * them: a SharedKey signature, or a SAS (service SAS of a share or a file, or an account SAS) whose
 * signature, expiry, permissions and resource are checked. Requests that fail the check get 403
 * {@code AuthenticationFailed}, as from the service. Held to the official {@code
 * azure-storage-file-share} client in {@code FileShareServerTest}.
 *
 * <p>Paths are taken host-style ({@code /share/dir}) or path-style with the account first ({@code
 * /devstoreaccount1/share/dir}).
 */
public final class FileShareServer implements AutoCloseable {
  private static final DateTimeFormatter RFC_1123 = DateTimeFormatter.RFC_1123_DATE_TIME;
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

  private final HttpServer server;
  private final Path root;
  private final String account;
  private final SharedKey key;
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private volatile int pageSize = 5000;

  public FileShareServer(Path root, String account, String base64Key) throws IOException {
    this.root = root;
    this.account = account;
    this.key = new SharedKey(account, base64Key);
    // Answers leave at once (no Nagle delay waiting for the client's ACK of the head).
    System.setProperty("sun.net.httpserver.nodelay", "true");
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.createContext("/", this::handle);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code AZURE_FILE_ENDPOINT} for this server, path-style. */
  public String endpoint() {
    return "http://127.0.0.1:" + port() + "/{account}";
  }

  /** Pages of at most {@code n} entries, to exercise markers. */
  public FileShareServer pageSize(int n) {
    this.pageSize = n;
    return this;
  }

  /** How each request authenticated: "SharedKey", "SAS", or the reason it was refused. */
  public List<String> authorizations() {
    return authorizations;
  }

  /** Writes a file of a share. */
  public void put(String share, String path, byte[] data) throws IOException {
    Path file = root.resolve(share).resolve(path);
    Files.createDirectories(file.getParent());
    Files.write(file, data);
  }

  /** Makes an (empty) folder of a share. */
  public void mkdir(String share, String path) throws IOException {
    Files.createDirectories(root.resolve(share).resolve(path));
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      URI uri = x.getRequestURI();
      List<String> segments = new ArrayList<>();
      for (String s : uri.getRawPath().split("/")) {
        if (!s.isEmpty()) {
          segments.add(URLDecoder.decode(s, StandardCharsets.UTF_8));
        }
      }
      if (!segments.isEmpty() && segments.get(0).equals(account)) {
        segments.remove(0);
      }
      Map<String, String> query = query(uri.getRawQuery());
      String method = x.getRequestMethod();
      if (segments.isEmpty() || segments.stream().anyMatch(s -> s.equals("..") || s.equals("."))) {
        error(x, 400, "InvalidUri", "The requested URI does not represent any resource.");
        return;
      }
      String share = segments.get(0);
      String path = String.join("/", segments.subList(1, segments.size()));
      String refusal = authenticate(x, method, share, path, query);
      authorizations.add(refusal);
      if (refusal.startsWith("refused")) {
        error(
            x,
            403,
            "AuthenticationFailed",
            "Server failed to authenticate the request. " + refusal);
        return;
      }
      Path shareDir = root.resolve(share);
      if (!Files.isDirectory(shareDir)) {
        error(x, 404, "ShareNotFound", "The specified share does not exist.");
        return;
      }
      Path target = shareDir.resolve(path);
      if (!method.equals("GET") && !method.equals("HEAD")) {
        error(
            x, 405, "UnsupportedHttpVerb", "The resource doesn't support the specified HTTP verb.");
        return;
      }
      if ("directory".equals(query.get("restype")) && "list".equals(query.get("comp"))) {
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
          error(
              x,
              404,
              Files.exists(target) || Files.isDirectory(target.getParent())
                  ? "ResourceNotFound"
                  : "ParentNotFound",
              "The specified resource does not exist.");
          return;
        }
        list(x, share, path, target, query);
        return;
      }
      if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
        error(x, 404, "ResourceNotFound", "The specified resource does not exist.");
        return;
      }
      file(x, method, target);
    } catch (RuntimeException e) {
      error(x, 500, "InternalError", String.valueOf(e));
    }
  }

  /** "SharedKey", "SAS", or "refused: why". */
  private String authenticate(
      HttpExchange x, String method, String share, String path, Map<String, String> query) {
    String auth = x.getRequestHeaders().getFirst("Authorization");
    if (auth != null) {
      Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      x.getRequestHeaders().forEach((k, v) -> headers.put(k, String.join(",", v)));
      if (!headers.containsKey("x-ms-date") && !headers.containsKey("Date")) {
        return "refused: no x-ms-date or Date";
      }
      String expected = key.authorization(method, x.getRequestURI(), headers);
      return expected.equals(auth) ? "SharedKey" : "refused: SharedKey signature mismatch";
    }
    if (query.containsKey("sig")) {
      return checkSas(share, path, query);
    }
    return "refused: no credentials";
  }

  private String checkSas(String share, String path, Map<String, String> q) {
    String expiry = q.getOrDefault("se", "");
    try {
      if (Instant.parse(normalizeTime(expiry)).isBefore(Instant.now())) {
        return "refused: the SAS expired at " + expiry;
      }
      if (q.containsKey("st")
          && Instant.parse(normalizeTime(q.get("st"))).isAfter(Instant.now().plusSeconds(300))) {
        return "refused: the SAS starts at " + q.get("st");
      }
    } catch (RuntimeException e) {
      return "refused: unreadable SAS times";
    }
    String permissions = q.getOrDefault("sp", "");
    boolean listing = "list".equals(q.get("comp"));
    if (!permissions.contains(listing ? "l" : "r")) {
      return "refused: the SAS lacks the permission " + (listing ? "l" : "r");
    }
    String toSign;
    if (q.containsKey("ss")) {
      // An account SAS.
      if (!q.get("ss").contains("f") || !q.getOrDefault("srt", "").contains("o") && !listing) {
        return "refused: the account SAS does not cover files";
      }
      toSign =
          String.join(
                  "\n",
                  account,
                  permissions,
                  q.get("ss"),
                  q.getOrDefault("srt", ""),
                  q.getOrDefault("st", ""),
                  expiry,
                  q.getOrDefault("sip", ""),
                  q.getOrDefault("spr", ""),
                  q.getOrDefault("sv", ""),
                  q.getOrDefault("ses", ""))
              + "\n";
    } else {
      String resource = q.getOrDefault("sr", "");
      String canonical = "/file/" + account + "/" + share;
      if (resource.equals("f")) {
        canonical = canonical + "/" + path;
      } else if (!resource.equals("s")) {
        return "refused: sr=" + resource;
      }
      toSign = serviceStringToSign(q, permissions, expiry, canonical);
    }
    String expected = key.signature(toSign);
    return expected.equals(q.get("sig")) ? "SAS" : "refused: SAS signature mismatch";
  }

  private static String serviceStringToSign(
      Map<String, String> q, String permissions, String expiry, String canonical) {
    return String.join(
        "\n",
        permissions,
        q.getOrDefault("st", ""),
        expiry,
        canonical,
        q.getOrDefault("si", ""),
        q.getOrDefault("sip", ""),
        q.getOrDefault("spr", ""),
        q.getOrDefault("sv", ""),
        q.getOrDefault("rscc", ""),
        q.getOrDefault("rscd", ""),
        q.getOrDefault("rsce", ""),
        q.getOrDefault("rscl", ""),
        q.getOrDefault("rsct", ""));
  }

  private static String normalizeTime(String t) {
    // SAS times may omit seconds ("2026-12-02T10:00Z").
    return t.matches(".*T\\d\\d:\\d\\dZ") ? t.replace("Z", ":00Z") : t;
  }

  private void list(HttpExchange x, String share, String dirPath, Path dir, Map<String, String> q)
      throws IOException {
    List<Path> entries;
    try (Stream<Path> s = Files.list(dir)) {
      entries = s.sorted().toList();
    }
    String marker = q.get("marker");
    int max =
        Math.min(
            pageSize, q.containsKey("maxresults") ? Integer.parseInt(q.get("maxresults")) : 5000);
    StringBuilder xml =
        new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?>")
            .append("<EnumerationResults ServiceEndpoint=\"http://127.0.0.1:")
            .append(port())
            .append("/\" ShareName=\"")
            .append(escape(share))
            .append("\" DirectoryPath=\"")
            .append(escape(dirPath))
            .append("\">");
    if (marker != null) {
      xml.append("<Marker>").append(escape(marker)).append("</Marker>");
    }
    xml.append("<MaxResults>")
        .append(max)
        .append("</MaxResults><DirectoryId>0</DirectoryId><Entries>");
    int n = 0;
    String next = null;
    for (Path p : entries) {
      String name = p.getFileName().toString();
      if (marker != null && name.compareTo(marker) < 0) {
        continue;
      }
      if (n == max) {
        next = name;
        break;
      }
      n++;
      boolean folder = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
      xml.append(folder ? "<Directory>" : "<File>")
          .append("<FileId>")
          .append(Math.abs((long) p.hashCode()))
          .append("</FileId><Name>")
          .append(escape(name))
          .append("</Name><Properties>");
      if (!folder) {
        xml.append("<Content-Length>").append(Files.size(p)).append("</Content-Length>");
      }
      xml.append("<Last-Modified>")
          .append(RFC_1123.format(Files.getLastModifiedTime(p).toInstant().atZone(ZoneOffset.UTC)))
          .append("</Last-Modified><Etag>")
          .append(etag(p))
          .append("</Etag></Properties>")
          .append(folder ? "</Directory>" : "</File>");
    }
    xml.append("</Entries><NextMarker>")
        .append(next == null ? "" : escape(next))
        .append("</NextMarker></EnumerationResults>");
    byte[] body = xml.toString().getBytes(StandardCharsets.UTF_8);
    common(x);
    x.getResponseHeaders().set("Content-Type", "application/xml");
    x.sendResponseHeaders(200, body.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(body);
    }
  }

  private void file(HttpExchange x, String method, Path file) throws IOException {
    long size = Files.size(file);
    long from = 0;
    long to = size - 1;
    boolean ranged = false;
    String range = x.getRequestHeaders().getFirst("x-ms-range");
    if (range == null) {
      range = x.getRequestHeaders().getFirst("Range");
    }
    if (range != null && method.equals("GET")) {
      Matcher m = RANGE.matcher(range.trim());
      if (!m.matches()) {
        error(x, 400, "InvalidRange", "The range specified is invalid.");
        return;
      }
      from = Long.parseLong(m.group(1));
      to = m.group(2).isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(m.group(2)));
      if (from >= size) {
        x.getResponseHeaders().set("Content-Range", "bytes */" + size);
        error(
            x,
            416,
            "InvalidRange",
            "The range specified is invalid for the current size of the resource.");
        return;
      }
      ranged = true;
    }
    common(x);
    x.getResponseHeaders().set("Content-Type", "application/octet-stream");
    x.getResponseHeaders().set("ETag", "\"" + etag(file) + "\"");
    x.getResponseHeaders()
        .set(
            "Last-Modified",
            RFC_1123.format(Files.getLastModifiedTime(file).toInstant().atZone(ZoneOffset.UTC)));
    x.getResponseHeaders().set("x-ms-type", "File");
    x.getResponseHeaders().set("Accept-Ranges", "bytes");
    if (method.equals("HEAD")) {
      x.getResponseHeaders().set("Content-Length", Long.toString(size));
      x.sendResponseHeaders(200, -1);
      return;
    }
    long length = to - from + 1;
    if (ranged) {
      x.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + size);
    }
    x.sendResponseHeaders(ranged ? 206 : 200, length == 0 ? -1 : length);
    if (length == 0) {
      return;
    }
    try (InputStream in = Files.newInputStream(file);
        OutputStream out = x.getResponseBody()) {
      in.skipNBytes(from);
      byte[] buf = new byte[64 * 1024];
      long left = length;
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          break;
        }
        out.write(buf, 0, n);
        left -= n;
      }
    }
  }

  /** A version of the file's content and time, as the service's ETags change with each write. */
  private static String etag(Path p) throws IOException {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(
          Long.toString(Files.getLastModifiedTime(p).toMillis())
              .getBytes(StandardCharsets.US_ASCII));
      d.update(
          Long.toString(Files.isDirectory(p) ? 0 : Files.size(p))
              .getBytes(StandardCharsets.US_ASCII));
      return "0x8D" + HexFormat.of().formatHex(d.digest(), 0, 7).toUpperCase(java.util.Locale.ROOT);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void common(HttpExchange x) {
    x.getResponseHeaders().set("x-ms-version", AzureStorageClient.VERSION);
    x.getResponseHeaders().set("x-ms-request-id", java.util.UUID.randomUUID().toString());
    x.getResponseHeaders()
        .set("Date", RFC_1123.format(java.time.ZonedDateTime.now(ZoneOffset.UTC)));
  }

  private static void error(HttpExchange x, int status, String code, String message)
      throws IOException {
    common(x);
    x.getResponseHeaders().set("x-ms-error-code", code);
    byte[] body =
        ("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>"
                + code
                + "</Code><Message>"
                + escape(message)
                + "</Message></Error>")
            .getBytes(StandardCharsets.UTF_8);
    if (x.getRequestMethod().equals("HEAD")) {
      x.sendResponseHeaders(status, -1);
      return;
    }
    x.getResponseHeaders().set("Content-Type", "application/xml");
    x.sendResponseHeaders(status, body.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(body);
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> q = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return q;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      q.put(
          URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8)
              .toLowerCase(java.util.Locale.ROOT),
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return q;
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
