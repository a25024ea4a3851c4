package io.storageinit.api;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;

/**
 * The body of a JDK {@link HttpURLConnection} response (one from {@link HttpProxies#open}, say) as
 * a stream that hands the connection back to the JDK's pool when read to the end, and drops it when
 * closed before: the JDK would otherwise try to drain what is left, which for an abandoned range of
 * a large file can be most of it.
 *
 * @since 0.2
 */
public final class HttpBody extends FilterInputStream {
  private final HttpURLConnection connection;
  private boolean ended;

  private HttpBody(HttpURLConnection connection) throws IOException {
    super(connection.getInputStream());
    this.connection = connection;
  }

  /** Returns the body of {@code connection}'s (successful) response. */
  public static InputStream of(HttpURLConnection connection) throws IOException {
    return new HttpBody(connection);
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    ended |= b < 0;
    return b;
  }

  @Override
  public int read(byte[] buf, int off, int len) throws IOException {
    int n = super.read(buf, off, len);
    ended |= n < 0;
    return n;
  }

  @Override
  public void close() throws IOException {
    if (!ended) {
      connection.disconnect();
    }
    super.close();
  }
}
