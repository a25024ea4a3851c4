package io.storageinit.s3;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Deque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Supplier;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * HTTP/1.1 GET and HEAD over kept-alive direct connections: what S3 requests need and no more.
 *
 * <p>The JDK's {@code HttpURLConnection} does the same work through several layers (URL handling,
 * header bookkeeping, a synchronized keep-alive cache, metered and buffered streams); on a model of
 * thousands of small files that machinery costs more CPU than the transfer itself. Here a request
 * is one write, the response head is parsed from one buffer, and a body larger than that buffer is
 * read straight into the caller's array.
 *
 * <p>A body read to its end hands its connection back for the next request; a body closed early
 * drops it (draining the rest of an abandoned range could cost more than a new connection). A
 * request on a kept-alive connection that the server has meanwhile closed is sent again on a new
 * one, as browsers and the JDK do; any other failure is the caller's to retry.
 */
final class Http1 implements AutoCloseable {
  private static final int HEAD_BUFFER = 16 * 1024;
  private static final int MAX_HEAD = 64 * 1024;
  private static final long MAX_IDLE_NANOS = 20_000_000_000L;

  private final Supplier<SSLSocketFactory> tls;
  private final boolean verifyHost;
  private final int connectTimeoutMillis;
  private final int readTimeoutMillis;
  private final Map<String, Deque<Connection>> idle = new ConcurrentHashMap<>();
  private final Set<PlainWire> watched = ConcurrentHashMap.newKeySet();
  private Thread watchdog;
  private volatile boolean closed;

  /** A response: its status, its header fields (names in lower case) and its body. */
  record Response(int status, Map<String, String> headers, InputStream body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  Http1(
      Supplier<SSLSocketFactory> tls,
      boolean verifyHost,
      int connectTimeoutMillis,
      int readTimeoutMillis) {
    this.tls = tls;
    this.verifyHost = verifyHost;
    this.connectTimeoutMillis = connectTimeoutMillis;
    this.readTimeoutMillis = readTimeoutMillis;
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
  Response send(
      String method,
      boolean secure,
      String host,
      int port,
      String target,
      Map<String, String> headers)
      throws IOException {
    byte[] request = request(method, target, headers);
    String key = (secure ? "s:" : "p:") + host + ':' + port;
    while (true) {
      Connection c = pooled(key);
      boolean reused = c != null;
      if (c == null) {
        c = open(key, secure, host, port);
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

  private static byte[] request(String method, String target, Map<String, String> headers)
      throws IOException {
    StringBuilder b = new StringBuilder(512);
    b.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
    for (Map.Entry<String, String> h : headers.entrySet()) {
      String value = h.getValue();
      if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
        throw new IOException("header " + h.getKey() + " holds a line break");
      }
      b.append(h.getKey()).append(": ").append(value).append("\r\n");
    }
    b.append("User-Agent: storage-initializer\r\n\r\n");
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

  private Connection open(String key, boolean secure, String uriHost, int port) throws IOException {
    // An IPv6 literal comes in brackets, as URIs and Host headers write it.
    String host =
        uriHost.startsWith("[") && uriHost.endsWith("]")
            ? uriHost.substring(1, uriHost.length() - 1)
            : uriHost;
    InetSocketAddress address = new InetSocketAddress(host, port);
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
      s.setSoTimeout(readTimeoutMillis);
      SSLSocket t = (SSLSocket) tls.get().createSocket(s, host, port, true);
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
    String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
    return cut.replaceAll("[^\\x20-\\x7e]", "?");
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
        watchdog = new Thread(this::watchReads, "s3-read-timeouts");
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
