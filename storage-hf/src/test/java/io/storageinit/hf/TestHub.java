package io.storageinit.hf;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Hugging Face Hub for tests, speaking the routes the hub's clients use, on 127.0.0.1, with its
 * CDN on a second port (another origin): {@code GET /api/models/{repo}/revision/{rev}} (the commit,
 * {@code sha}, {@code siblings}), {@code GET /api/models/{repo}/tree/{rev}?recursive=true} (pages
 * joined by {@code Link: rel="next"}), {@code HEAD|GET /{repo}/resolve/{rev}/{path}} (small files
 * served with their git blob id as ETag; LFS files redirected to the CDN with {@code X-Linked-Etag}
 * and {@code X-Linked-Size}), Range on both, errors with {@code X-Error-Code} ({@code
 * RepoNotFound}, {@code RevisionNotFound}, {@code EntryNotFound}, {@code GatedRepo}), private and
 * gated repositories, and faults: a CDN that cuts connections or trickles, a branch that moves in
 * the middle of a download. Files may be generated (any size, never held in memory).
 */
public final class TestHub implements AutoCloseable {
  /** A file's bytes, generated or held. */
  public interface Content {
    long size();

    /** Writes bytes {@code [from, from + length)}. */
    void write(OutputStream out, long from, long length) throws IOException;
  }

  /** Bytes held in memory. */
  public static Content bytes(byte[] data) {
    return new Content() {
      public long size() {
        return data.length;
      }

      public void write(OutputStream out, long from, long length) throws IOException {
        out.write(data, (int) from, (int) length);
      }
    };
  }

  /** The bytes of a file on disk, read as they are served. */
  public static Content file(java.nio.file.Path path) throws IOException {
    long size = java.nio.file.Files.size(path);
    return new Content() {
      public long size() {
        return size;
      }

      public void write(OutputStream out, long from, long length) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(path)) {
          ch.transferTo(from, length, java.nio.channels.Channels.newChannel(out));
        }
      }
    };
  }

  /** {@code size} pseudo-random bytes from {@code seed}, made as they are served. */
  public static Content generated(long size, long seed) {
    return new Content() {
      public long size() {
        return size;
      }

      public void write(OutputStream out, long from, long length) throws IOException {
        byte[] block = new byte[1 << 16];
        long pos = from;
        long end = from + length;
        while (pos < end) {
          long index = pos >>> 16;
          new Random(seed * 1_000_003L + index).nextBytes(block);
          int off = (int) (pos & 0xffff);
          int n = (int) Math.min(block.length - off, end - pos);
          out.write(block, off, n);
          pos += n;
        }
      }
    };
  }

  /** One file of a commit, with the ids the hub gives it. */
  public record File(String path, Content content, boolean lfs, String sha256, String gitOid) {}

  /** A commit: its id, its date and its files by path. */
  public record Commit(String sha, Instant date, Map<String, File> files) {}

  /** A request as it arrived: which server, the method, the path and the Authorization header. */
  public record Seen(String server, String method, String path, String authorization) {}

  /** A model repository. */
  public final class Repo {
    final String id;
    final Map<String, String> refs = new ConcurrentHashMap<>();
    final Map<String, Commit> commits = new ConcurrentHashMap<>();
    volatile boolean isPrivate;
    volatile Set<String> gatedFor;

    Repo(String id) {
      this.id = id;
    }

    /** Makes a commit of {@code files} and points {@code branch} at it; returns its id. */
    public String commit(String branch, Map<String, Content> files) {
      Map<String, File> made = new java.util.concurrent.ConcurrentSkipListMap<>();
      files.forEach((path, content) -> made.put(path, file(path, content)));
      String sha = sha1((id + "@" + commitCount.incrementAndGet() + made.keySet()).getBytes());
      commits.put(
          sha,
          new Commit(
              sha,
              Instant.parse("2026-01-01T00:00:00Z").plusSeconds(commitCount.get() * 60L),
              made));
      refs.put(branch, sha);
      return sha;
    }

    /** Points {@code ref} (a branch or tag) at {@code sha}. */
    public Repo ref(String ref, String sha) {
      refs.put(ref, sha);
      return this;
    }

    /** Drops {@code path} from a commit: the tree listed it, but the hub no longer serves it. */
    public void forget(String sha, String path) {
      commits.get(sha).files().remove(path);
    }

    /** Only requests with a token may see it; others get 401 RepoNotFound, as the hub answers. */
    public Repo makePrivate() {
      isPrivate = true;
      return this;
    }

    /** Gated: only these tokens were granted access; others get 403 GatedRepo. */
    public Repo gated(String... tokens) {
      gatedFor = Set.of(tokens);
      return this;
    }

    Commit resolve(String rev) {
      String sha = refs.get(rev);
      return commits.get(sha != null ? sha : rev);
    }
  }

  private final HttpServer hub;
  private final HttpServer cdn;
  private final Map<String, Repo> repos = new ConcurrentHashMap<>();
  private final Map<String, File> blobs = new ConcurrentHashMap<>();
  private final AtomicInteger commitCount = new AtomicInteger();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final Set<String> tokens = ConcurrentHashMap.newKeySet();
  private volatile int pageSize = 1000;
  private volatile long lfsThreshold = 64 * 1024;
  private final AtomicInteger cutsLeft = new AtomicInteger();
  private volatile long cutAfter;
  private volatile long dripMillis;
  private final AtomicInteger dripLeft = new AtomicInteger();
  private final AtomicLong cdnBytes = new AtomicLong();
  private volatile Runnable onFirstResolve;
  private volatile String cdnBase;

  private TestHub() throws IOException {
    System.setProperty("sun.net.httpserver.nodelay", "true");
    hub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    cdn = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    hub.setExecutor(Executors.newFixedThreadPool(16));
    cdn.setExecutor(Executors.newFixedThreadPool(16));
    hub.createContext("/", this::hub);
    cdn.createContext("/", this::cdn);
    hub.start();
    cdn.start();
  }

  public static TestHub start() throws IOException {
    return new TestHub();
  }

  /** The hub's base URL, for HF_ENDPOINT. */
  public String endpoint() {
    return "http://127.0.0.1:" + hub.getAddress().getPort();
  }

  public int cdnPort() {
    return cdn.getAddress().getPort();
  }

  public Repo repo(String id) {
    return repos.computeIfAbsent(id, Repo::new);
  }

  /** A token the hub accepts. */
  public TestHub token(String token) {
    tokens.add(token);
    return this;
  }

  public TestHub pageSize(int n) {
    pageSize = n;
    return this;
  }

  /** Files of at least this size are LFS files (served from the CDN, with a SHA-256). */
  public TestHub lfsThreshold(long bytes) {
    lfsThreshold = bytes;
    return this;
  }

  /** The CDN cuts the next {@code times} answers after {@code afterBytes} bytes. */
  public TestHub cutConnections(int times, long afterBytes) {
    cutAfter = afterBytes;
    cutsLeft.set(times);
    return this;
  }

  /**
   * LFS files are redirected to {@code base + "/" + sha256} rather than to the hub's own CDN: a
   * file server that holds them under those names (nginx, for a benchmark).
   */
  public TestHub cdnBase(String base) {
    cdnBase = base;
    return this;
  }

  /** The ids the hub gave {@code path} at {@code repo}'s {@code branch}. */
  public File fileOf(String repo, String branch, String path) {
    return repos.get(repo).resolve(branch).files().get(path);
  }

  /** The CDN's next {@code answers} answers send a byte every {@code millis} ms. */
  public TestHub drip(int answers, long millis) {
    dripMillis = millis;
    dripLeft.set(answers);
    return this;
  }

  /** Runs once, after the first download of a file: to move a branch in the middle of a run. */
  public TestHub afterFirstDownload(Runnable action) {
    onFirstResolve = action;
    return this;
  }

  public List<Seen> requests() {
    return List.copyOf(seen);
  }

  public long cdnBytesSent() {
    return cdnBytes.get();
  }

  private File file(String path, Content content) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      MessageDigest git = MessageDigest.getInstance("SHA-1");
      git.update(("blob " + content.size() + "\0").getBytes(StandardCharsets.US_ASCII));
      content.write(
          new OutputStream() {
            public void write(int b) {
              write(new byte[] {(byte) b}, 0, 1);
            }

            public void write(byte[] b, int off, int len) {
              sha256.update(b, off, len);
              git.update(b, off, len);
            }
          },
          0,
          content.size());
      boolean lfs = content.size() >= lfsThreshold;
      File f =
          new File(
              path,
              content,
              lfs,
              HexFormat.of().formatHex(sha256.digest()),
              HexFormat.of().formatHex(git.digest()));
      if (lfs) {
        blobs.put(f.sha256(), f);
      }
      return f;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sha1(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(data));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- the hub

  private void hub(HttpExchange ex) throws IOException {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    String path = ex.getRequestURI().getRawPath();
    seen.add(new Seen("hub", ex.getRequestMethod(), path, auth));
    try {
      if (path.startsWith("/api/models/")) {
        api(ex, path.substring("/api/models/".length()), auth);
      } else {
        resolve(ex, path.substring(1), auth);
      }
    } catch (RuntimeException e) {
      error(ex, 500, null, String.valueOf(e));
    }
  }

  /** The repo named by the first two segments, after checking access; null when answered. */
  private Repo access(HttpExchange ex, String[] segs, String auth) throws IOException {
    if (segs.length < 2) {
      error(ex, 404, "RepoNotFound", "Repository not found");
      return null;
    }
    String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
    if (token != null && !tokens.contains(token)) {
      error(ex, 401, null, "Invalid credentials in Authorization header");
      return null;
    }
    Repo repo = repos.get(segs[0] + "/" + segs[1]);
    if (repo == null || repo.isPrivate && token == null) {
      error(ex, token == null ? 401 : 404, "RepoNotFound", "Repository not found");
      return null;
    }
    if (repo.gatedFor != null && (token == null || !repo.gatedFor.contains(token))) {
      error(
          ex,
          token == null ? 401 : 403,
          "GatedRepo",
          "Access to model " + repo.id + " is restricted");
      return null;
    }
    return repo;
  }

  private void api(HttpExchange ex, String rest, String auth) throws IOException {
    String[] segs = rest.split("/", -1);
    Repo repo = access(ex, segs, auth);
    if (repo == null) {
      return;
    }
    if (segs.length >= 4 && segs[2].equals("paths-info")) {
      pathsInfo(ex, repo, URLDecoder.decode(segs[3], StandardCharsets.UTF_8));
      return;
    }
    if (segs.length >= 4 && (segs[2].equals("revision") || segs[2].equals("tree"))) {
      String rev = URLDecoder.decode(segs[3], StandardCharsets.UTF_8);
      Commit commit = repo.resolve(rev);
      if (commit == null) {
        error(ex, 404, "RevisionNotFound", "Invalid rev id: " + rev);
        return;
      }
      if (segs[2].equals("revision")) {
        StringBuilder b = new StringBuilder();
        b.append("{\"_id\":\"x\",\"id\":\"")
            .append(repo.id)
            .append("\",\"modelId\":\"")
            .append(repo.id);
        b.append("\",\"sha\":\"")
            .append(commit.sha())
            .append("\",\"lastModified\":\"")
            .append(commit.date());
        b.append("\",\"private\":")
            .append(repo.isPrivate)
            .append(",\"gated\":")
            .append(repo.gatedFor != null ? "\"manual\"" : "false");
        b.append(",\"siblings\":[");
        boolean first = true;
        for (String p : commit.files().keySet()) {
          b.append(first ? "" : ",").append("{\"rfilename\":").append(json(p)).append('}');
          first = false;
        }
        b.append("]}");
        answer(ex, 200, "application/json", b.toString(), Map.of());
      } else {
        tree(ex, commit);
      }
      return;
    }
    error(ex, 404, null, "Not found");
  }

  /**
   * {@code POST /api/models/{repo}/paths-info/{rev}} with {@code {"paths": [...], "expand": b}}:
   * the entries of those paths, with their last commit when expanded (the JS client's
   * snapshotDownload asks this for each file).
   */
  private void pathsInfo(HttpExchange ex, Repo repo, String rev) throws IOException {
    Commit commit = repo.resolve(rev);
    if (commit == null) {
      error(ex, 404, "RevisionNotFound", "Invalid rev id: " + rev);
      return;
    }
    Object body = io.storageinit.kit.JsonReader.parse(ex.getRequestBody().readAllBytes());
    List<String> entries = new ArrayList<>();
    if (body instanceof Map<?, ?> m && m.get("paths") instanceof List<?> paths) {
      boolean expand = Boolean.TRUE.equals(m.get("expand"));
      for (Object p : paths) {
        File f = commit.files().get(String.valueOf(p));
        if (f != null) {
          String e = entry(f);
          if (expand) {
            e =
                e.substring(0, e.length() - 1)
                    + ",\"lastCommit\":{\"id\":\""
                    + commit.sha()
                    + "\",\"title\":\"a commit\",\"date\":\""
                    + commit.date()
                    + "\"}}";
          }
          entries.add(e);
        }
      }
    }
    answer(ex, 200, "application/json", "[" + String.join(",", entries) + "]", Map.of());
  }

  /** A file's entry in the tree API's form. */
  private static String entry(File f) {
    return "{\"type\":\"file\",\"oid\":\""
        + f.gitOid()
        + "\",\"size\":"
        + f.content().size()
        + ",\"path\":"
        + json(f.path())
        + (f.lfs()
            ? ",\"lfs\":{\"oid\":\""
                + f.sha256()
                + "\",\"size\":"
                + f.content().size()
                + ",\"pointerSize\":134}"
            : "")
        + "}";
  }

  private void tree(HttpExchange ex, Commit commit) throws IOException {
    String query = String.valueOf(ex.getRequestURI().getRawQuery());
    int cursor = 0;
    for (String kv : query.split("&")) {
      if (kv.startsWith("cursor=")) {
        cursor = Integer.parseInt(kv.substring(7));
      }
    }
    // Folders first in their own entries, as the hub lists them, then the files.
    List<String> entries = new ArrayList<>();
    java.util.Set<String> folders = new java.util.TreeSet<>();
    for (String p : commit.files().keySet()) {
      for (int i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) {
        folders.add(p.substring(0, i));
      }
    }
    for (String d : folders) {
      entries.add(
          "{\"type\":\"directory\",\"oid\":\""
              + sha1(d.getBytes())
              + "\",\"size\":0,\"path\":"
              + json(d)
              + "}");
    }
    for (File f : commit.files().values()) {
      entries.add(entry(f));
    }
    int end = Math.min(entries.size(), cursor + pageSize);
    Map<String, String> headers = new TreeMap<>();
    if (end < entries.size()) {
      String base = ex.getRequestURI().getRawPath() + "?recursive=true&expand=false&cursor=" + end;
      headers.put("Link", "<" + endpoint() + base + ">; rel=\"next\"");
    }
    answer(
        ex,
        200,
        "application/json",
        "[" + String.join(",", entries.subList(cursor, end)) + "]",
        headers);
  }

  private void resolve(HttpExchange ex, String rest, String auth) throws IOException {
    String[] segs = rest.split("/", 5);
    if (segs.length < 5 || !segs[2].equals("resolve")) {
      error(ex, 404, null, "Not found");
      return;
    }
    Repo repo = access(ex, segs, auth);
    if (repo == null) {
      return;
    }
    Commit commit = repo.resolve(URLDecoder.decode(segs[3], StandardCharsets.UTF_8));
    if (commit == null) {
      error(ex, 404, "RevisionNotFound", "Invalid rev id");
      return;
    }
    File f =
        commit.files().get(URLDecoder.decode(segs[4].replace("+", "%2B"), StandardCharsets.UTF_8));
    if (f == null) {
      error(ex, 404, "EntryNotFound", "Entry not found");
      return;
    }
    Map<String, String> h = new TreeMap<>();
    h.put("X-Repo-Commit", commit.sha());
    if (f.lfs()) {
      h.put("ETag", "\"" + f.sha256() + "\"");
      h.put("X-Linked-Etag", "\"" + f.sha256() + "\"");
      h.put("X-Linked-Size", String.valueOf(f.content().size()));
      h.put(
          "Location",
          cdnBase != null
              ? cdnBase + "/" + f.sha256()
              : "http://127.0.0.1:"
                  + cdnPort()
                  + "/repos/"
                  + repo.id.replace('/', '-')
                  + "/"
                  + f.sha256()
                  + "?response-content-disposition=attachment");
      answer(ex, 302, "text/plain", "", h);
    } else {
      h.put("ETag", "\"" + f.gitOid() + "\"");
      serve(ex, f, h, false);
      Runnable once = onFirstResolve;
      if (once != null) {
        onFirstResolve = null;
        once.run();
      }
    }
  }

  // ---- the CDN

  private void cdn(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    seen.add(
        new Seen(
            "cdn", ex.getRequestMethod(), path, ex.getRequestHeaders().getFirst("Authorization")));
    String sha = path.substring(path.lastIndexOf('/') + 1);
    File f = blobs.get(sha);
    if (f == null) {
      error(ex, 404, null, "NoSuchKey");
      return;
    }
    serve(ex, f, Map.of("ETag", "\"" + f.sha256() + "\""), true);
    Runnable once = onFirstResolve;
    if (once != null) {
      onFirstResolve = null;
      once.run();
    }
  }

  private void serve(HttpExchange ex, File f, Map<String, String> headers, boolean fromCdn)
      throws IOException {
    long size = f.content().size();
    long from = 0;
    long to = size - 1;
    int status = 200;
    String range = ex.getRequestHeaders().getFirst("Range");
    if (range != null && range.startsWith("bytes=") && size > 0) {
      String[] r = range.substring(6).split("-", 2);
      from = Long.parseLong(r[0]);
      to = r[1].isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(r[1]));
      if (from >= size) {
        ex.getResponseHeaders().set("Content-Range", "bytes */" + size);
        ex.sendResponseHeaders(416, -1);
        ex.close();
        return;
      }
      status = 206;
      ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + size);
    }
    headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
    ex.getResponseHeaders().set("Accept-Ranges", "bytes");
    ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
    long length = size == 0 ? 0 : to - from + 1;
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.getResponseHeaders().set("Content-Length", String.valueOf(length));
      ex.sendResponseHeaders(status, -1);
      ex.close();
      return;
    }
    ex.sendResponseHeaders(status, length == 0 ? -1 : length);
    boolean cut = fromCdn && cutsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
    boolean drip = fromCdn && dripLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
    try (OutputStream out = ex.getResponseBody()) {
      OutputStream counted =
          new OutputStream() {
            long sent;

            public void write(int b) throws IOException {
              write(new byte[] {(byte) b}, 0, 1);
            }

            public void write(byte[] b, int off, int len) throws IOException {
              if (drip) {
                for (int i = 0; i < len; i++) {
                  out.write(b[off + i]);
                  out.flush();
                  cdnBytes.incrementAndGet();
                  try {
                    Thread.sleep(dripMillis);
                  } catch (InterruptedException e) {
                    throw new IOException(e);
                  }
                }
                return;
              }
              if (cut && sent + len > cutAfter) {
                int n = (int) Math.max(0, cutAfter - sent);
                out.write(b, off, n);
                out.flush();
                throw new IOException("cut by the test");
              }
              out.write(b, off, len);
              sent += len;
              if (fromCdn) {
                cdnBytes.addAndGet(len);
              }
            }
          };
      f.content().write(counted, from, length);
    } catch (IOException e) {
      // The client went away, or the test cut the connection: close it for good.
      ex.getHttpContext().getServer();
    }
    ex.close();
  }

  // ---- answers

  private static String json(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  private static void error(HttpExchange ex, int status, String code, String message)
      throws IOException {
    Map<String, String> h = new TreeMap<>();
    if (code != null) {
      h.put("X-Error-Code", code);
    }
    h.put("X-Error-Message", message);
    answer(ex, status, "application/json", "{\"error\":" + json(message) + "}", h);
  }

  private static void answer(
      HttpExchange ex, int status, String type, String body, Map<String, String> headers)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
    ex.getResponseHeaders().set("Content-Type", type);
    if (ex.getRequestMethod().equals("HEAD") || bytes.length == 0) {
      ex.sendResponseHeaders(status, -1);
    } else {
      ex.sendResponseHeaders(status, bytes.length);
      ex.getResponseBody().write(bytes);
    }
    ex.close();
  }

  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();

  /** Stops both servers; a second call does nothing. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      hub.stop(0);
      cdn.stop(0);
    }
  }
}
