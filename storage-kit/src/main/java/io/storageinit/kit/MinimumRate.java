package io.storageinit.kit;

import io.storageinit.api.ProviderContext;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

/**
 * The runtime's minimum-rate rule ({@code STORAGE_MIN_RATE} bytes per second, averaged over {@code
 * STORAGE_MIN_RATE_WINDOW_SECONDS}) for the responses a plugin reads itself, such as listing pages:
 * the runtime holds the bodies of objects to it, but cannot see a listing. A server that sends a
 * byte now and then never trips a read timeout; a body read through {@link #watch} fails with an
 * {@link IOException} (a transient failure, retried) once a whole window went by below the rate.
 *
 * @since 0.4
 */
public final class MinimumRate {
  /** No rule: bodies pass as they are. */
  public static final MinimumRate OFF = new MinimumRate(0, Duration.ofSeconds(30));

  private final long bytesPerSecond;
  private final Duration window;

  public MinimumRate(long bytesPerSecond, Duration window) {
    this.bytesPerSecond = bytesPerSecond;
    this.window = window;
  }

  /**
   * The rule as the runtime reads it: {@code STORAGE_MIN_RATE} (default 1 KiB/s, 0 switches it off)
   * over {@code STORAGE_MIN_RATE_WINDOW_SECONDS} (default 30). Values the runtime would refuse (it
   * reports them before any plugin runs) leave the defaults.
   */
  public static MinimumRate from(ProviderContext c) {
    long rate = 1024;
    long seconds = 30;
    try {
      rate = Env.parseSize(c.env("STORAGE_MIN_RATE").orElse("1024"));
      seconds = Long.parseLong(c.env("STORAGE_MIN_RATE_WINDOW_SECONDS").orElse("30").trim());
    } catch (IllegalArgumentException e) {
      // Reported by the runtime.
    }
    return new MinimumRate(rate, Duration.ofSeconds(Math.max(1, seconds)));
  }

  /** {@code body}, failing once a window passes with fewer bytes than the rule asks for. */
  public InputStream watch(InputStream body, String what) {
    return bytesPerSecond <= 0 ? body : new Watched(body, what);
  }

  private final class Watched extends FilterInputStream {
    private final String what;
    private final long windowNanos = window.toNanos();
    private final long needed = bytesPerSecond * window.toSeconds();
    private long windowStart = System.nanoTime();
    private long inWindow;

    Watched(InputStream in, String what) {
      super(in);
      this.what = what;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      count(b < 0 ? -1 : 1);
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      count(n);
      return n;
    }

    private void count(int n) throws IOException {
      if (n < 0) {
        return;
      }
      inWindow += n;
      long now = System.nanoTime();
      if (now - windowStart < windowNanos) {
        return;
      }
      if (inWindow < needed) {
        throw new IOException(
            what
                + " came at "
                + inWindow / Math.max(1, window.toSeconds())
                + " B/s, below STORAGE_MIN_RATE="
                + bytesPerSecond
                + " B/s over STORAGE_MIN_RATE_WINDOW_SECONDS="
                + window.toSeconds());
      }
      windowStart = now;
      inWindow = 0;
    }
  }
}
