package io.storageinit.kit;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Deque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Supplier;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * An HTTP/1.1 client for what storage plugins send: GET and HEAD (and small bodiless requests) over
 * kept-alive connections, direct or through an HTTP proxy, plain or TLS. Thread-safe; one per
 * plugin client, closed with it.
 *
 * <p>The JDK's {@code HttpURLConnection} does the same work through several layers (URL handling,
 * header bookkeeping, a synchronized keep-alive cache, metered and buffered streams); on a model of
 * thousands of small files that machinery costs more CPU than the transfer itself, and its bodies
 * copy every byte through the heap. Here a request is one write, the response head is parsed from
 * one buffer, and a body is a {@link ReadableByteChannel} too: read into a direct buffer, the bytes
 * of a plain connection go from the socket to the buffer with no copy in between.
 *
 * <p>A body read to its end hands its connection back for the next request; a body closed early
 * drops it (draining the rest of an abandoned range could cost more than a new connection). A
 * request on a kept-alive connection that the server has meanwhile closed is sent again on a new
 * one, as browsers and the JDK do; any other failure is the caller's to retry. Redirects are never
 * followed here: see {@link Redirects}, which decides where credentials may go.
 *
 * <p>Proxies come from {@link HttpProxies}: an http:// target is asked for in absolute form through
 * the proxy (with the proxy's {@code Proxy-Authorization} when its URL has user info); an https://
 * target goes through a {@code CONNECT} tunnel, the proxy's credentials on the CONNECT only, never
 * inside the tunnel where they would reach the origin.
 *
 * @since 0.4
 */
public final class Http1 implements AutoCloseable {
  private static final int HEAD_BUFFER = 16 * 1024;
  private static final int MAX_HEAD = 64 * 1024;
  private static final long MAX_IDLE_NANOS = 20_000_000_000L;

  private final Supplier<SSLSocketFactory> tls;
  private volatile SSLSocketFactory tlsFactory;
  private final boolean verifyHost;
  private final int connectTimeoutMillis;
  private final int readTimeoutMillis;
  private final HttpProxies proxies;
  private final String userAgent;
  private final Map<String, Deque<Connection>> idle = new ConcurrentHashMap<>();
  private final Set<PlainWire> watched = ConcurrentHashMap.newKeySet();
  private Thread watchdog;
  private volatile boolean closed;

  /**
   * A response: its status, its header fields (names in lower case, repeated fields joined with
   * {@code ", "}) and its body, which must be read to its end or closed.
   */
  public record Response(int status, Map<String, String> headers, InputStream body) {
    /** The field {@code name} (any case), or null. */
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** Closes the body without reading it: the connection is dropped. */
    public void abort() {
      try {
        body.close();
      } catch (IOException ignored) {
        // Dropping a connection: nothing to report.
      }
    }
  }

  private Http1(Builder b) {
    this.tls = b.tls;
    this.verifyHost = b.verifyHost;
    this.connectTimeoutMillis = (int) b.connectTimeout.toMillis();
    this.readTimeoutMillis = (int) b.readTimeout.toMillis();
    this.proxies = b.proxies;
    this.userAgent = b.userAgent;
  }

  /** A client with the JDK's default TLS, 15 s to connect, 60 s per read, no proxy. */
  public static Builder builder() {
    return new Builder();
  }

  /** Sets up a client. Not thread-safe; {@link #build} may be called more than once. */
  public static final class Builder {
    private Supplier<SSLSocketFactory> tls = Builder::defaultTls;
    private boolean verifyHost = true;
    private Duration connectTimeout = Duration.ofSeconds(15);
    private Duration readTimeout = Duration.ofSeconds(60);
    private HttpProxies proxies = HttpProxies.NONE;
    private String userAgent = "storage-initializer";

    private Builder() {}

    private static SSLSocketFactory defaultTls() {
      return (SSLSocketFactory) SSLSocketFactory.getDefault();
    }

    /**
     * The TLS set-up for https connections, asked for on the first one (loading a CA bundle takes a
     * while, and a plain-http run never needs it). See {@link TlsContexts}.
     */
    public Builder tls(Supplier<SSLSocketFactory> tls) {
      this.tls = tls;
      return this;
    }

    /** False to accept any host name in a server's certificate: only with verification off. */
    public Builder verifyHost(boolean verifyHost) {
      this.verifyHost = verifyHost;
      return this;
    }

    /** How long a TCP connect (and a proxy's CONNECT answer) may take. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = timeout;
      return this;
    }

    /** How long one read may wait for a byte; zero for no limit. */
    public Builder readTimeout(Duration timeout) {
      this.readTimeout = timeout;
      return this;
    }

    /** The proxies to go through; {@link HttpProxies#NONE} by default. */
    public Builder proxies(HttpProxies proxies) {
      this.proxies = proxies;
      return this;
    }

    /** The User-Agent sent with every request. */
    public Builder userAgent(String userAgent) {
      this.userAgent = userAgent;
      return this;
    }

    public Http1 build() {
      return new Http1(this);
    }
  }

  /**
   * Sends a request to {@code uri} (http or https) with a Host field of its authority, and reads
   * the head of its response.
   *
   * @param headers request header fields besides Host and User-Agent; values are checked with
   *     {@link Headers#problem}
   * @throws IOException when the server cannot be reached or its answer is not HTTP/1.x
   */
  public Response send(String method, URI uri, Map<String, String> headers) throws IOException {
    boolean secure = "https".equalsIgnoreCase(uri.getScheme());
    if (!secure && !"http".equalsIgnoreCase(uri.getScheme())) {
      throw new IllegalArgumentException("not an http(s) URI: " + Uris.redact(uri.toString()));
    }
    int port = uri.getPort() > 0 ? uri.getPort() : secure ? 443 : 80;
    String target = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (uri.getRawQuery() != null) {
      target += "?" + uri.getRawQuery();
    }
    Map<String, String> all = new java.util.LinkedHashMap<>();
    all.put("Host", Headers.hostField(uri));
    all.putAll(headers);
    return send(method, secure, uri.getHost(), port, target, all);
  }

  /**
   * Sends a request and reads the head of its response.
   *
   * @param secure whether to speak TLS
   * @param host the server's host name or address (an IPv6 address in brackets or not)
   * @param port the server's port
   * @param target the request target: the raw path and query
   * @param headers request header fields, Host among them
   */
  public Response send(
      String method,
      boolean secure,
      String host,
      int port,
      String target,
      Map<String, String> headers)
      throws IOException {
    Optional<URI> proxy = proxies.forTarget(secure, host);
    byte[] request;
    if (proxy.isPresent() && !secure) {
      // Through the proxy in absolute form; its credentials go to it, and only it.
      Map<String, String> h = new java.util.LinkedHashMap<>(headers);
      HttpProxies.authorization(proxy.get()).ifPresent(a -> h.put("Proxy-Authorization", a));
      String authority = host + (port == 80 ? "" : ":" + port);
      request = request(method, "http://" + authority + target, h);
    } else {
      request = request(method, target, headers);
    }
    String key =
        (secure ? "s:" : "p:")
            + host
            + ':'
            + port
            + proxy.map(p -> "@" + p.getHost() + ':' + p.getPort()).orElse("");
    while (true) {
      Connection c = pooled(key);
      boolean reused = c != null;
      if (c == null) {
        c = open(key, secure, host, port, proxy.orElse(null));
      }
      try {
        c.wire.write(request);
        return c.response(method);
      } catch (IOException e) {
        c.close();
        if (reused && !c.answered && !(e instanceof SocketTimeoutException)) {
          // The server closed the idle connection before it saw the request: try a fresh one.
          continue;
        }
        throw e;
      }
    }
  }

  private byte[] request(String method, String target, Map<String, String> headers) {
    StringBuilder b = new StringBuilder(512);
    b.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
    boolean agent = false;
    for (Map.Entry<String, String> h : headers.entrySet()) {
      agent |= h.getKey().equalsIgnoreCase("User-Agent");
      String problem = Headers.problem(h.getKey(), h.getValue());
      if (problem != null) {
        // Never the value: it may well be a token.
        throw new IllegalArgumentException("request header " + h.getKey() + " " + problem);
      }
      b.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
    }
    if (!agent) {
      b.append("User-Agent: ").append(userAgent).append("\r\n");
    }
    b.append("\r\n");
    return b.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  private Connection pooled(String key) {
    Deque<Connection> q = idle.get(key);
    if (q == null) {
      return null;
    }
    long now = System.nanoTime();
    for (Connection c = q.pollFirst(); c != null; c = q.pollFirst()) {
      if (now - c.idleSince < MAX_IDLE_NANOS) {
        return c;
      }
      c.close();
    }
    return null;
  }

  private static String unbracketed(String host) {
    // An IPv6 literal comes in brackets, as URIs and Host headers write it.
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  private Connection open(String key, boolean secure, String uriHost, int port, URI proxy)
      throws IOException {
    String host = unbracketed(uriHost);
    InetSocketAddress address =
        proxy == null
            ? new InetSocketAddress(host, port)
            : new InetSocketAddress(unbracketed(proxy.getHost()), HttpProxies.port(proxy));
    if (!secure) {
      SocketChannel ch = SocketChannel.open();
      try {
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        ch.socket().connect(address, connectTimeoutMillis);
        return new Connection(key, new PlainWire(ch));
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
    }
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.connect(address, connectTimeoutMillis);
      if (proxy != null) {
        s.setSoTimeout(connectTimeoutMillis);
        tunnel(s, uriHost, port, proxy);
      }
      s.setSoTimeout(readTimeoutMillis);
      SSLSocket t = (SSLSocket) tlsFactory().createSocket(s, host, port, true);
      if (verifyHost) {
        SSLParameters p = t.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        t.setSSLParameters(p);
      }
      t.startHandshake();
      return new Connection(key, new TlsWire(t));
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /**
   * Asks the proxy on {@code s} for a tunnel to {@code host:port}, with the proxy's credentials,
   * and reads its answer: anything but 2xx fails, a 407 saying that the proxy refused them.
   */
  private static void tunnel(Socket s, String uriHost, int port, URI proxy) throws IOException {
    String authority = uriHost + ':' + port;
    StringBuilder b = new StringBuilder(256);
    b.append("CONNECT ").append(authority).append(" HTTP/1.1\r\nHost: ").append(authority);
    HttpProxies.authorization(proxy)
        .ifPresent(a -> b.append("\r\nProxy-Authorization: ").append(a));
    b.append("\r\n\r\n");
    OutputStream out = s.getOutputStream();
    out.write(b.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    // Byte by byte up to the blank line: nothing of the tunnel's first TLS bytes may be consumed.
    InputStream in = s.getInputStream();
    StringBuilder head = new StringBuilder(128);
    while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new EOFException(
            "the proxy " + proxy.getHost() + " closed the connection on CONNECT");
      }
      if (head.length() > MAX_HEAD) {
        throw new IOException(
            "the proxy's answer to CONNECT is longer than " + MAX_HEAD + " bytes");
      }
      head.append((char) c);
    }
    String status = head.substring(0, head.indexOf("\r\n"));
    String[] parts = status.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("the proxy did not answer CONNECT in HTTP: " + printable(status));
    }
    if (parts[1].equals("407")) {
      throw new ProxyRefused(
          "the proxy "
              + proxy.getHost()
              + ':'
              + HttpProxies.port(proxy)
              + " wants credentials it was not given or refused them (407); put user:password@"
              + " in the proxy URL");
    }
    if (!parts[1].startsWith("2")) {
      throw new ProxyRefused(
          "the proxy "
              + proxy.getHost()
              + " refused a tunnel to "
              + authority
              + ": "
              + printable(status));
    }
  }

  /** A proxy that would not open a tunnel: not worth retrying as it is. */
  public static final class ProxyRefused extends IOException {
    private static final long serialVersionUID = 1L;

    ProxyRefused(String message) {
      super(message);
    }
  }

  /** The TLS set-up, asked for once, on the first https connection. */
  private SSLSocketFactory tlsFactory() {
    SSLSocketFactory f = tlsFactory;
    if (f == null) {
      synchronized (this) {
        if (tlsFactory == null) {
          tlsFactory = tls.get();
        }
        f = tlsFactory;
      }
    }
    return f;
  }

  private void release(Connection c) {
    if (closed) {
      c.close();
      return;
    }
    c.idleSince = System.nanoTime();
    idle.computeIfAbsent(c.key, k -> new ConcurrentLinkedDeque<>()).offerFirst(c);
  }

  /** Closes the idle connections; ones still in use close when their bodies are done. */
  @Override
  public void close() {
    closed = true;
    synchronized (this) {
      if (watchdog != null) {
        watchdog.interrupt();
      }
    }
    for (Deque<Connection> q : idle.values()) {
      for (Connection c = q.pollFirst(); c != null; c = q.pollFirst()) {
        c.close();
      }
    }
  }

  /** One connection and the buffer its response heads are read through. */
  private final class Connection {
    final String key;
    final Wire wire;
    final byte[] buf = new byte[HEAD_BUFFER];
    int pos;
    int lim;
    boolean answered;
    long idleSince;

    Connection(String key, Wire wire) {
      this.key = key;
      this.wire = wire;
    }

    void close() {
      wire.close();
    }

    Response response(String method) throws IOException {
      answered = false;
      int headBytes = 0;
      while (true) {
        String statusLine = line();
        answered = true;
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
          throw new IOException("not an HTTP/1.x response: " + printable(statusLine));
        }
        int status = parseStatus(statusLine);
        Map<String, String> headers = new HashMap<>();
        for (String l = line(); !l.isEmpty(); l = line()) {
          headBytes += l.length();
          if (headBytes > MAX_HEAD) {
            throw new IOException("response head larger than " + MAX_HEAD + " bytes");
          }
          int colon = l.indexOf(':');
          if (colon <= 0) {
            throw new IOException("malformed response header: " + printable(l));
          }
          String name = l.substring(0, colon).trim().toLowerCase(Locale.ROOT);
          String value = l.substring(colon + 1).trim();
          headers.merge(name, value, (a, b) -> a + ", " + b);
        }
        if (status / 100 == 1 && status != 101) {
          continue; // 100 Continue and the like: the real answer follows.
        }
        boolean keepAlive =
            statusLine.startsWith("HTTP/1.1")
                ? !"close".equalsIgnoreCase(headers.get("connection"))
                : "keep-alive".equalsIgnoreCase(headers.get("connection"));
        return new Response(status, headers, body(method, status, headers, keepAlive));
      }
    }

    private int parseStatus(String statusLine) throws IOException {
      int status = 0;
      for (int i = 9; i < 12; i++) {
        char ch = statusLine.charAt(i);
        if (ch < '0' || ch > '9') {
          throw new IOException("malformed status line: " + printable(statusLine));
        }
        status = status * 10 + (ch - '0');
      }
      return status;
    }

    private InputStream body(
        String method, int status, Map<String, String> headers, boolean keepAlive)
        throws IOException {
      if (method.equals("HEAD") || status == 204 || status == 304) {
        return done(keepAlive);
      }
      String te = headers.get("transfer-encoding");
      if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
        return new ChunkedBody(this, keepAlive);
      }
      String length = headers.get("content-length");
      if (length != null) {
        long n;
        try {
          n = Long.parseLong(length);
        } catch (NumberFormatException e) {
          n = -1;
        }
        if (n < 0) {
          throw new IOException("malformed Content-Length: " + printable(length));
        }
        if (n == 0) {
          return done(keepAlive);
        }
        return new FixedBody(this, n, keepAlive);
      }
      return new FixedBody(this, -1, false);
    }

    private InputStream done(boolean keepAlive) {
      if (keepAlive) {
        release(this);
      } else {
        close();
      }
      return InputStream.nullInputStream();
    }

    /** The next line of the head, without its line break, in ISO-8859-1. */
    String line() throws IOException {
      while (true) {
        for (int i = pos; i < lim; i++) {
          if (buf[i] == '\n') {
            int end = i > pos && buf[i - 1] == '\r' ? i - 1 : i;
            String s = new String(buf, pos, end - pos, StandardCharsets.ISO_8859_1);
            pos = i + 1;
            return s;
          }
        }
        if (!fill()) {
          throw new EOFException("the server closed the connection before it answered");
        }
      }
    }

    /** Reads more into the buffer, keeping what is unread; false at the end of the stream. */
    boolean fill() throws IOException {
      if (pos == lim) {
        pos = lim = 0;
      } else if (lim == buf.length) {
        if (pos == 0) {
          throw new IOException("a response line longer than " + buf.length + " bytes");
        }
        System.arraycopy(buf, pos, buf, 0, lim - pos);
        lim -= pos;
        pos = 0;
      }
      int n = wire.read(buf, lim, buf.length - lim);
      if (n < 0) {
        return false;
      }
      lim += n;
      return true;
    }

    /** Reads body bytes: first what the buffer holds, then straight from the socket. */
    int read(byte[] b, int off, int len) throws IOException {
      if (pos < lim) {
        int n = Math.min(len, lim - pos);
        System.arraycopy(buf, pos, b, off, n);
        pos += n;
        return n;
      }
      if (len >= buf.length) {
        return wire.read(b, off, len);
      }
      if (!fill()) {
        return -1;
      }
      int n = Math.min(len, lim - pos);
      System.arraycopy(buf, pos, b, off, n);
      pos += n;
      return n;
    }

    /** Reads at most {@code max} body bytes into {@code dst}: what the buffer holds, or more. */
    int read(ByteBuffer dst, int max) throws IOException {
      if (pos < lim) {
        int n = Math.min(max, lim - pos);
        dst.put(buf, pos, n);
        pos += n;
        return n;
      }
      int limit = dst.limit();
      dst.limit(dst.position() + max);
      try {
        return wire.read(dst);
      } finally {
        dst.limit(limit);
      }
    }
  }

  private static String printable(String s) {
    return Headers.printable(s);
  }

  /**
   * A response body, as a stream and as a channel: read through the channel into a direct buffer,
   * the bytes of a plain connection go from the socket to the buffer with no copy in between.
   */
  private abstract class Body extends InputStream implements ReadableByteChannel {
    final Connection c;
    final boolean keepAlive;
    boolean finished;

    Body(Connection c, boolean keepAlive) {
      this.c = c;
      this.keepAlive = keepAlive;
    }

    /** How many bytes (at most {@code len}) may be read now; -1 at the end of the body. */
    abstract long readable(int len) throws IOException;

    /** Accounts for {@code n} bytes read (-1: the connection ended). */
    abstract void consumed(int n) throws IOException;

    @Override
    public final int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public final int read(byte[] b, int off, int len) throws IOException {
      if (finished) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      long want = readable(len);
      if (want < 0) {
        return -1;
      }
      int n = c.read(b, off, (int) want);
      consumed(n);
      return n;
    }

    @Override
    public final int read(ByteBuffer dst) throws IOException {
      if (finished) {
        return -1;
      }
      if (!dst.hasRemaining()) {
        return 0;
      }
      long want = readable(dst.remaining());
      if (want < 0) {
        return -1;
      }
      int n = c.read(dst, (int) want);
      consumed(n);
      return n;
    }

    /** The body is over: its connection serves the next request, or is closed. */
    final void finish(boolean reuse) {
      finished = true;
      if (reuse) {
        release(c);
      } else {
        c.close();
      }
    }

    final IOException fail(IOException e) {
      finished = true;
      c.close();
      return e;
    }

    @Override
    public final boolean isOpen() {
      return !finished;
    }

    @Override
    public final void close() {
      if (!finished) {
        finished = true;
        c.close();
      }
    }
  }

  /** A body of known length, or (length -1) one that lasts until the server closes. */
  private final class FixedBody extends Body {
    private long remaining;

    FixedBody(Connection c, long length, boolean keepAlive) {
      super(c, keepAlive);
      this.remaining = length;
    }

    @Override
    long readable(int len) {
      return remaining < 0 ? len : Math.min(len, remaining);
    }

    @Override
    void consumed(int n) throws IOException {
      if (n < 0) {
        if (remaining > 0) {
          throw fail(
              new EOFException("the server closed the connection " + remaining + " bytes early"));
        }
        finish(false);
      } else if (remaining > 0) {
        remaining -= n;
        if (remaining == 0) {
          finish(keepAlive);
        }
      }
    }
  }

  /** A body sent in chunks; its connection is handed back after the last chunk's trailer. */
  private final class ChunkedBody extends Body {
    private long inChunk;

    ChunkedBody(Connection c, boolean keepAlive) {
      super(c, keepAlive);
    }

    @Override
    long readable(int len) throws IOException {
      if (inChunk == 0) {
        String size = c.line();
        int semicolon = size.indexOf(';');
        try {
          inChunk =
              Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
        } catch (NumberFormatException e) {
          throw fail(new IOException("malformed chunk size: " + printable(size)));
        }
        if (inChunk == 0) {
          while (!c.line().isEmpty()) {
            // Trailer fields: nothing here needs them.
          }
          finish(keepAlive);
          return -1;
        }
      }
      return Math.min(len, inChunk);
    }

    @Override
    void consumed(int n) throws IOException {
      if (n < 0) {
        throw fail(new EOFException("the server closed the connection inside a chunk"));
      }
      inChunk -= n;
      if (inChunk == 0 && !c.line().isEmpty()) {
        throw fail(new IOException("a chunk did not end with a line break"));
      }
    }
  }

  /**
   * Reads one response from {@code bytes} as if a server had sent them: for tests and fuzzing of
   * the parser alone, with no socket.
   */
  static Response parse(String method, byte[] bytes) throws IOException {
    Http1 client = builder().build();
    Connection c = client.new Connection("test", new BytesWire(bytes));
    return c.response(method);
  }

  /** Bytes given up front, as a wire: what {@link #parse} reads. */
  private static final class BytesWire extends Wire {
    private final ByteBuffer in;

    BytesWire(byte[] bytes) {
      this.in = ByteBuffer.wrap(bytes);
    }

    @Override
    int read(byte[] b, int off, int len) {
      if (!in.hasRemaining()) {
        return -1;
      }
      int n = Math.min(len, in.remaining());
      in.get(b, off, n);
      return n;
    }

    @Override
    int read(ByteBuffer dst) {
      if (!in.hasRemaining()) {
        return -1;
      }
      int n = Math.min(dst.remaining(), in.remaining());
      ByteBuffer slice = in.slice();
      slice.limit(n);
      dst.put(slice);
      in.position(in.position() + n);
      return n;
    }

    @Override
    void write(byte[] b) {}

    @Override
    void close() {}
  }

  /** The bytes under a connection. */
  private abstract static class Wire {
    abstract int read(byte[] b, int off, int len) throws IOException;

    abstract int read(ByteBuffer dst) throws IOException;

    abstract void write(byte[] b) throws IOException;

    abstract void close();
  }

  /**
   * Plain TCP over a blocking channel, which reads into direct buffers. A blocking channel has no
   * read timeout of its own: the watchdog closes one whose read has waited too long.
   */
  private final class PlainWire extends Wire {
    private final SocketChannel ch;
    private volatile long readingSince;
    private volatile boolean timedOut;

    PlainWire(SocketChannel ch) {
      this.ch = ch;
      watch(this);
    }

    @Override
    int read(byte[] b, int off, int len) throws IOException {
      return read(ByteBuffer.wrap(b, off, len));
    }

    @Override
    int read(ByteBuffer dst) throws IOException {
      readingSince = System.nanoTime() | 1;
      try {
        return ch.read(dst);
      } catch (ClosedChannelException e) {
        if (timedOut) {
          throw new SocketTimeoutException(
              "no data from the server for " + readTimeoutMillis + " ms");
        }
        throw e;
      } finally {
        readingSince = 0;
      }
    }

    @Override
    void write(byte[] b) throws IOException {
      ByteBuffer bb = ByteBuffer.wrap(b);
      while (bb.hasRemaining()) {
        ch.write(bb);
      }
    }

    /** Whether a read has waited longer than the timeout; if so, ends it. */
    void expireIfStuck(long now) {
      long since = readingSince;
      if (since != 0 && now - since > readTimeoutMillis * 1_000_000L) {
        timedOut = true;
        close();
      }
    }

    @Override
    void close() {
      watched.remove(this);
      try {
        ch.close();
      } catch (IOException ignored) {
        // Nothing left to do with it either way.
      }
    }
  }

  /** TLS over a socket, whose reads time out by themselves. */
  private static final class TlsWire extends Wire {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private byte[] scratch;

    TlsWire(Socket socket) throws IOException {
      this.socket = socket;
      this.in = socket.getInputStream();
      this.out = socket.getOutputStream();
    }

    @Override
    int read(byte[] b, int off, int len) throws IOException {
      return in.read(b, off, len);
    }

    @Override
    int read(ByteBuffer dst) throws IOException {
      if (dst.hasArray()) {
        int n = in.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
        if (n > 0) {
          dst.position(dst.position() + n);
        }
        return n;
      }
      if (scratch == null) {
        scratch = new byte[64 * 1024];
      }
      int n = in.read(scratch, 0, Math.min(scratch.length, dst.remaining()));
      if (n > 0) {
        dst.put(scratch, 0, n);
      }
      return n;
    }

    @Override
    void write(byte[] b) throws IOException {
      out.write(b);
      out.flush();
    }

    @Override
    void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // Nothing left to do with it either way.
      }
    }
  }

  private void watch(PlainWire w) {
    if (readTimeoutMillis <= 0) {
      return;
    }
    watched.add(w);
    synchronized (this) {
      if (watchdog == null && !closed) {
        watchdog = new Thread(this::watchReads, "http-read-timeouts");
        watchdog.setDaemon(true);
        watchdog.start();
      }
    }
  }

  /** Ends the reads that have waited longer than the read timeout, until this client closes. */
  private void watchReads() {
    long tick = Math.max(10, Math.min(1_000, readTimeoutMillis / 4));
    while (!closed) {
      try {
        Thread.sleep(tick);
      } catch (InterruptedException e) {
        return;
      }
      long now = System.nanoTime();
      for (PlainWire w : watched) {
        w.expireIfStuck(now);
      }
    }
  }
}
