package io.storageinit.modelscope;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A ModelScope hub for tests, speaking the routes the hub's Python library uses, on 127.0.0.1 with
 * a CDN on a second port: {@code GET /api/v1/models/{repo}/revisions} (branches and tags, with the
 * commit each names), {@code GET /api/v1/models/{repo}/repo/files?Revision=&Recursive=} (every file
 * with its {@code Sha256}), {@code GET /api/v1/models/{repo}/repo?Revision=&FilePath=} (small files
 * served, LFS files redirected to the CDN), Range, the {@code Code}/{@code Message} envelope, and
 * the session cookie ({@code m_session_id}) for private models.
 */
public final class TestModelScope implements AutoCloseable {
  /** A request as it arrived: server, path and query, and the Cookie header. */
  public record Seen(String server, String pathAndQuery, String cookie) {}

  record File(String path, byte[] data, String sha256, boolean lfs) {}

  /** A model repository: commits by id, branches and tags naming them. */
  public final class Repo {
    final Map<String, Map<String, File>> commits = new ConcurrentHashMap<>();
    final Map<String, String> branches = new ConcurrentHashMap<>();
    final Map<String, String> tags = new ConcurrentHashMap<>();
    volatile boolean isPrivate;

    /** Commits {@code files} on {@code branch}; returns the commit id. */
    public String commit(String branch, Map<String, byte[]> files) {
      Map<String, File> made = new TreeMap<>();
      files.forEach((p, data) -> made.put(p, file(p, data)));
      String id = hex("SHA-1", (branch + commitCount.incrementAndGet()).getBytes());
      commits.put(id, made);
      branches.put(branch, id);
      return id;
    }

    public Repo tag(String name, String commit) {
      tags.put(name, commit);
      return this;
    }

    public Repo makePrivate() {
      isPrivate = true;
      return this;
    }

    Map<String, File> at(String revision) {
      String id = branches.getOrDefault(revision, tags.getOrDefault(revision, revision));
      return commits.get(id);
    }
  }

  private final HttpServer hub;
  private final HttpServer cdn;
  private final Map<String, Repo> repos = new ConcurrentHashMap<>();
  private final Map<String, File> blobs = new ConcurrentHashMap<>();
  private final Set<String> tokens = ConcurrentHashMap.newKeySet();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final AtomicInteger commitCount = new AtomicInteger();
  private volatile int lfsThreshold = 100_000;

  private TestModelScope() throws IOException {
    System.setProperty("sun.net.httpserver.nodelay", "true");
    hub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    cdn = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    hub.setExecutor(Executors.newFixedThreadPool(8));
    cdn.setExecutor(Executors.newFixedThreadPool(8));
    hub.createContext("/", this::hub);
    cdn.createContext("/", this::cdn);
    hub.start();
    cdn.start();
  }

  public static TestModelScope start() throws IOException {
    return new TestModelScope();
  }

  public String endpoint() {
    return "http://127.0.0.1:" + hub.getAddress().getPort();
  }

  public Repo repo(String id) {
    return repos.computeIfAbsent(id, k -> new Repo());
  }

  public TestModelScope token(String token) {
    tokens.add(token);
    return this;
  }

  public List<Seen> requests() {
    return List.copyOf(seen);
  }

  private File file(String path, byte[] data) {
    File f = new File(path, data, hex("SHA-256", data), data.length >= lfsThreshold);
    if (f.lfs()) {
      blobs.put(f.sha256(), f);
    }
    return f;
  }

  private static String hex(String algorithm, byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(data));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void hub(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    String query = ex.getRequestURI().getRawQuery();
    String cookie = ex.getRequestHeaders().getFirst("Cookie");
    seen.add(new Seen("hub", path + (query == null ? "" : "?" + query), cookie));
    Map<String, String> q = new HashMap<>();
    for (String kv : (query == null ? "" : query).split("&")) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        q.put(kv.substring(0, eq), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    String[] segs = path.split("/");
    // /api/v1/models/{owner}/{name}/...
    if (segs.length < 7 || !path.startsWith("/api/v1/models/")) {
      envelope(ex, 404, 10010205001L, "Not found", null);
      return;
    }
    String token =
        cookie != null && cookie.startsWith("m_session_id=") ? cookie.substring(13) : null;
    if (token != null && !tokens.contains(token)) {
      envelope(ex, 401, 10010205001L, "Invalid access token", null);
      return;
    }
    Repo repo = repos.get(segs[4] + "/" + segs[5]);
    if (repo == null || repo.isPrivate && token == null) {
      envelope(
          ex, token == null && repo != null ? 401 : 404, 10010205001L, "model not found", null);
      return;
    }
    String what = segs[6];
    if (what.equals("revisions")) {
      StringBuilder b = new StringBuilder("{\"RevisionMap\":{\"Branches\":[");
      refs(b, repo.branches);
      b.append("],\"Tags\":[");
      refs(b, repo.tags);
      b.append("]}}");
      envelope(ex, 200, 200L, "success", b.toString());
      return;
    }
    Map<String, File> files = repo.at(q.getOrDefault("Revision", "master"));
    if (files == null) {
      envelope(ex, 404, 10010205001L, "revision not found", null);
      return;
    }
    if (what.equals("repo") && segs.length == 8 && segs[7].equals("files")) {
      List<String> entries = new ArrayList<>();
      java.util.Set<String> folders = new java.util.TreeSet<>();
      files
          .keySet()
          .forEach(
              p -> {
                for (int i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) {
                  folders.add(p.substring(0, i));
                }
              });
      folders.forEach(
          d ->
              entries.add(
                  "{\"Name\":"
                      + json(d.substring(d.lastIndexOf('/') + 1))
                      + ",\"Path\":"
                      + json(d)
                      + ",\"Type\":\"tree\",\"Size\":0}"));
      for (File f : files.values()) {
        entries.add(
            "{\"Name\":"
                + json(f.path().substring(f.path().lastIndexOf('/') + 1))
                + ",\"Path\":"
                + json(f.path())
                + ",\"Type\":\"blob\",\"Size\":"
                + f.data().length
                + ",\"Sha256\":\""
                + f.sha256()
                + "\",\"IsLFS\":"
                + f.lfs()
                + ",\"Revision\":\""
                + q.getOrDefault("Revision", "master")
                + "\"}");
      }
      envelope(ex, 200, 200L, "success", "{\"Files\":[" + String.join(",", entries) + "]}");
      return;
    }
    if (what.equals("repo") && segs.length == 7) {
      File f = files.get(q.getOrDefault("FilePath", ""));
      if (f == null) {
        envelope(ex, 404, 10010205001L, "file not found", null);
        return;
      }
      if (f.lfs()) {
        ex.getResponseHeaders()
            .set(
                "Location",
                "http://127.0.0.1:" + cdn.getAddress().getPort() + "/blobs/" + f.sha256());
        ex.sendResponseHeaders(302, -1);
        ex.close();
        return;
      }
      serve(ex, f);
      return;
    }
    envelope(ex, 404, 10010205001L, "Not found", null);
  }

  private static void refs(StringBuilder b, Map<String, String> refs) {
    boolean first = true;
    for (var r : new TreeMap<>(refs).entrySet()) {
      b.append(first ? "" : ",")
          .append("{\"Revision\":")
          .append(json(r.getKey()))
          .append(",\"CommitId\":\"")
          .append(r.getValue())
          .append("\",\"CreatedAt\":1767225600}");
      first = false;
    }
  }

  private void cdn(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    seen.add(new Seen("cdn", path, ex.getRequestHeaders().getFirst("Cookie")));
    File f = blobs.get(path.substring(path.lastIndexOf('/') + 1));
    if (f == null) {
      ex.sendResponseHeaders(404, -1);
      ex.close();
      return;
    }
    serve(ex, f);
  }

  private static void serve(HttpExchange ex, File f) throws IOException {
    byte[] data = f.data();
    int from = 0;
    int to = data.length - 1;
    int status = 200;
    String range = ex.getRequestHeaders().getFirst("Range");
    if (range != null && range.startsWith("bytes=") && data.length > 0) {
      String[] r = range.substring(6).split("-", 2);
      from = Integer.parseInt(r[0]);
      to = r[1].isEmpty() ? data.length - 1 : Math.min(data.length - 1, Integer.parseInt(r[1]));
      status = 206;
      ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + data.length);
    }
    ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
    int length = data.length == 0 ? 0 : to - from + 1;
    ex.sendResponseHeaders(status, length == 0 ? -1 : length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(data, from, length);
    } catch (IOException e) {
      // The client went away.
    }
    ex.close();
  }

  private static String json(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static void envelope(HttpExchange ex, int status, long code, String message, String data)
      throws IOException {
    String body =
        "{\"Code\":"
            + code
            + ",\"Data\":"
            + (data == null ? "null" : data)
            + ",\"Message\":"
            + json(message)
            + ",\"RequestId\":\"r-1\",\"Success\":"
            + (code == 200L)
            + "}";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
    ex.close();
  }

  @Override
  public void close() {
    hub.stop(0);
    cdn.stop(0);
  }
}
