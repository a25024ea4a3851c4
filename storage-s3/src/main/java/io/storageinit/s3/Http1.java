package io.storageinit.s3;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Deque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
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
   * @param host the server's host name or address
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
        c.out.write(request);
        c.out.flush();
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

  private Connection open(String key, boolean secure, String host, int port) throws IOException {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
      s.setSoTimeout(readTimeoutMillis);
      if (secure) {
        SSLSocket t = (SSLSocket) tls.get().createSocket(s, host, port, true);
        if (verifyHost) {
          SSLParameters p = t.getSSLParameters();
          p.setEndpointIdentificationAlgorithm("HTTPS");
          t.setSSLParameters(p);
        }
        t.startHandshake();
        s = t;
      }
      return new Connection(key, s);
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
    for (Deque<Connection> q : idle.values()) {
      for (Connection c = q.pollFirst(); c != null; c = q.pollFirst()) {
        c.close();
      }
    }
  }

  /** One connection and the buffer its response heads are read through. */
  private final class Connection {
    final String key;
    final Socket socket;
    final InputStream in;
    final OutputStream out;
    final byte[] buf = new byte[HEAD_BUFFER];
    int pos;
    int lim;
    boolean answered;
    long idleSince;

    Connection(String key, Socket socket) throws IOException {
      this.key = key;
      this.socket = socket;
      this.in = socket.getInputStream();
      this.out = socket.getOutputStream();
    }

    void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // Nothing left to do with it either way.
      }
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
      int n = in.read(buf, lim, buf.length - lim);
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
        return in.read(b, off, len);
      }
      if (!fill()) {
        return -1;
      }
      int n = Math.min(len, lim - pos);
      System.arraycopy(buf, pos, b, off, n);
      pos += n;
      return n;
    }
  }

  private static String printable(String s) {
    String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
    return cut.replaceAll("[^\\x20-\\x7e]", "?");
  }

  /** A body of known length, or (length -1) one that lasts until the server closes. */
  private final class FixedBody extends InputStream {
    private final Connection c;
    private final boolean keepAlive;
    private long remaining;
    private boolean finished;

    FixedBody(Connection c, long length, boolean keepAlive) {
      this.c = c;
      this.remaining = length;
      this.keepAlive = keepAlive;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (finished) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      int want = remaining < 0 ? len : (int) Math.min(len, remaining);
      int n = c.read(b, off, want);
      if (n < 0) {
        if (remaining > 0) {
          finished = true;
          c.close();
          throw new EOFException("the server closed the connection " + remaining + " bytes early");
        }
        finish(false);
        return -1;
      }
      if (remaining > 0) {
        remaining -= n;
        if (remaining == 0) {
          finish(keepAlive);
        }
      }
      return n;
    }

    private void finish(boolean reuse) {
      finished = true;
      if (reuse) {
        release(c);
      } else {
        c.close();
      }
    }

    @Override
    public void close() {
      if (!finished) {
        finished = true;
        c.close();
      }
    }
  }

  /** A body sent in chunks; its connection is handed back after the last chunk's trailer. */
  private final class ChunkedBody extends InputStream {
    private final Connection c;
    private final boolean keepAlive;
    private long inChunk;
    private boolean finished;

    ChunkedBody(Connection c, boolean keepAlive) {
      this.c = c;
      this.keepAlive = keepAlive;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (finished) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      if (inChunk == 0) {
        String size = c.line();
        int semicolon = size.indexOf(';');
        try {
          inChunk =
              Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
        } catch (NumberFormatException e) {
          throw fail("malformed chunk size: " + printable(size));
        }
        if (inChunk == 0) {
          while (!c.line().isEmpty()) {
            // Trailer fields: nothing here needs them.
          }
          finished = true;
          if (keepAlive) {
            release(c);
          } else {
            c.close();
          }
          return -1;
        }
      }
      int n = c.read(b, off, (int) Math.min(len, inChunk));
      if (n < 0) {
        throw fail("the server closed the connection inside a chunk");
      }
      inChunk -= n;
      if (inChunk == 0 && !c.line().isEmpty()) {
        throw fail("a chunk did not end with a line break");
      }
      return n;
    }

    private IOException fail(String message) {
      finished = true;
      c.close();
      return new IOException(message);
    }

    @Override
    public void close() {
      if (!finished) {
        finished = true;
        c.close();
      }
    }
  }
}
