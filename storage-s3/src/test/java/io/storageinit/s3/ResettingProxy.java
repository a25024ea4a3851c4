package io.storageinit.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on 127.0.0.1 in front of a real server that cuts connections: the first {@code times}
 * connections that carry more than {@code afterBytes} of response are closed at that point, as a
 * flaky network or a crashing load balancer would; or one that misreports ranges: the first {@code
 * times} answers whose Content-Range starts past byte 0 claim to start a byte later, as a broken
 * cache in front of a store might; or one that denies reads: while on, every GET of an object (a
 * path with a key after the bucket) is answered 403 AccessDenied as S3 answers a principal whose
 * policy allows s3:ListBucket but not s3:GetObject, and listings pass.
 */
public final class ResettingProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int targetPort;
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "resetting-proxy");
            t.setDaemon(true);
            return t;
          });
  private final AtomicInteger cutsLeft = new AtomicInteger();
  private final AtomicInteger cuts = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();
  private volatile long afterBytes = Long.MAX_VALUE;
  private final AtomicInteger misreportsLeft = new AtomicInteger();
  private volatile boolean denyObjectReads;
  private final AtomicInteger denied = new AtomicInteger();
  private static final java.util.regex.Pattern RANGE =
      java.util.regex.Pattern.compile("(?i)(\r\ncontent-range: bytes )([1-9][0-9]*)-");

  public ResettingProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.listener = new ServerSocket();
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    threads.submit(this::accept);
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** Cuts the next {@code times} connections after {@code afterBytes} bytes of response. */
  public ResettingProxy cut(int times, long afterBytes) {
    this.afterBytes = afterBytes;
    this.cutsLeft.set(times);
    return this;
  }

  /** The next {@code times} answers of a range past byte 0 claim it starts a byte later. */
  public ResettingProxy misreportRanges(int times) {
    misreportsLeft.set(times);
    return this;
  }

  /** While {@code on}, object reads are refused with 403 AccessDenied; listings pass. */
  public ResettingProxy denyObjectReads(boolean on) {
    denyObjectReads = on;
    return this;
  }

  /** How many object reads were refused so far. */
  public int denied() {
    return denied.get();
  }

  /** How many connections clients opened so far. */
  public int connections() {
    return connections.get();
  }

  /** How many connections were cut so far. */
  public int cuts() {
    return cuts.get();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        connections.incrementAndGet();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        threads.submit(
            () ->
                pump(
                    client.getInputStream(),
                    new Denying(server.getOutputStream(), client.getOutputStream()),
                    Long.MAX_VALUE,
                    client,
                    server));
        boolean cut = cutsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
        threads.submit(
            () ->
                pump(
                    server.getInputStream(),
                    new Misreporting(client.getOutputStream()),
                    cut ? afterBytes : Long.MAX_VALUE,
                    client,
                    server));
      } catch (IOException e) {
        return;
      }
    }
  }

  private Void pump(InputStream in, OutputStream out, long limit, Socket a, Socket b) {
    byte[] buf = new byte[16 * 1024];
    long sent = 0;
    try {
      int n;
      while ((n = in.read(buf, 0, (int) Math.min(buf.length, Math.max(1, limit - sent)))) >= 0) {
        out.write(buf, 0, n);
        sent += n;
        if (sent >= limit) {
          cuts.incrementAndGet();
          a.setSoLinger(true, 0); // an RST, like a dropped connection
          break;
        }
      }
    } catch (IOException e) {
      // One side went away: close both.
    }
    closeQuietly(a);
    closeQuietly(b);
    return null;
  }

  /**
   * Rewrites a Content-Range that stands whole in one write (a response head arrives in one read
   * from a local server), while misreports are left.
   */
  private final class Misreporting extends java.io.FilterOutputStream {
    Misreporting(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (misreportsLeft.get() > 0) {
        String text = new String(b, off, len, java.nio.charset.StandardCharsets.ISO_8859_1);
        java.util.regex.Matcher m = RANGE.matcher(text);
        if (m.find() && misreportsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          String lied =
              text.substring(0, m.start(2))
                  + (Long.parseLong(m.group(2)) + 1)
                  + text.substring(m.end(2));
          out.write(lied.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
          return;
        }
      }
      out.write(b, off, len);
    }
  }

  /**
   * Passes requests on, except object reads while {@link #denyObjectReads} is on: those get S3's
   * AccessDenied from here. A request head of a GET (no body) arrives whole in one read from a
   * local client that waits for each answer.
   */
  private final class Denying extends java.io.FilterOutputStream {
    private static final java.util.regex.Pattern OBJECT_GET =
        java.util.regex.Pattern.compile("^GET (?:https?://[^/]+)?/[^/?\\s]+/[^?\\s]+[ ?]");
    private final OutputStream toClient;

    Denying(OutputStream toServer, OutputStream toClient) {
      super(toServer);
      this.toClient = toClient;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (denyObjectReads) {
        String head = new String(b, off, len, java.nio.charset.StandardCharsets.ISO_8859_1);
        if (OBJECT_GET.matcher(head).find()) {
          denied.incrementAndGet();
          byte[] body =
              ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code>"
                      + "<Message>Access Denied</Message></Error>")
                  .getBytes(java.nio.charset.StandardCharsets.UTF_8);
          String answer =
              "HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nContent-Length: "
                  + body.length
                  + "\r\n\r\n";
          synchronized (toClient) {
            toClient.write(answer.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            toClient.write(body);
            toClient.flush();
          }
          return;
        }
      }
      out.write(b, off, len);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // Already closed.
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    threads.shutdownNow();
  }
}
