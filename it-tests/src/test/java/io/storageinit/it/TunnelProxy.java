package io.storageinit.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A forward proxy on 127.0.0.1 that opens CONNECT tunnels, as corporate proxies and P2P layers do
 * for https:// targets, only for requests that carry the expected Proxy-Authorization; others get
 * 407 with a Basic challenge. Records the head of every CONNECT it receives.
 */
final class TunnelProxy implements AutoCloseable {
  private final ServerSocket socket;
  private final String expectedAuthorization;
  private final List<String> heads = new CopyOnWriteArrayList<>();
  private final java.util.concurrent.atomic.AtomicInteger tunnels =
      new java.util.concurrent.atomic.AtomicInteger();

  TunnelProxy(String expectedAuthorization) throws IOException {
    this.expectedAuthorization = expectedAuthorization;
    socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "tunnel-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return socket.getLocalPort();
  }

  /** How many tunnels were opened (CONNECTs with the expected credentials). */
  int tunnels() {
    return tunnels.get();
  }

  /** The request line and headers of each request, one string each. */
  List<String> heads() {
    return heads;
  }

  private void accept() {
    while (!socket.isClosed()) {
      try {
        Socket client = socket.accept();
        Thread t = new Thread(() -> serve(client), "tunnel");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket client) {
    try (client) {
      InputStream in = client.getInputStream();
      OutputStream out = client.getOutputStream();
      String head = readHead(in);
      heads.add(head);
      String[] request = head.split("\r\n")[0].split(" ");
      boolean authorized =
          head.lines()
              .anyMatch(
                  l ->
                      l.regionMatches(true, 0, "Proxy-Authorization:", 0, 20)
                          && l.substring(20).trim().equals(expectedAuthorization));
      if (!request[0].equals("CONNECT") || !authorized) {
        out.write(
            ("HTTP/1.1 407 Proxy Authentication Required\r\n"
                    + "Proxy-Authenticate: Basic realm=\"models\"\r\n"
                    + "Content-Length: 0\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        return;
      }
      tunnels.incrementAndGet();
      String[] target = request[1].split(":");
      try (Socket upstream = new Socket(target[0], Integer.parseInt(target[1]))) {
        out.write(
            "HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        Thread back =
            new Thread(
                () -> {
                  try {
                    upstream.getInputStream().transferTo(out);
                  } catch (IOException e) {
                    // The client hung up.
                  }
                });
        back.setDaemon(true);
        back.start();
        in.transferTo(upstream.getOutputStream());
      }
    } catch (IOException e) {
      // A tunnel ends when either side closes.
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1).strip();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
