package io.storageinit.runtime;

import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import java.io.Closeable;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the streams of one fetch for the two limits a read timeout cannot catch: a server that
 * sends a byte now and then (each read returns in time, the transfer never ends), and a run that
 * takes longer than the user allows in all. A stream slower than {@code STORAGE_MIN_RATE} over a
 * whole {@code STORAGE_MIN_RATE_WINDOW_SECONDS} is closed under its reader, who then retries it
 * (resuming where it stopped) as for any other transient failure; once {@code
 * STORAGE_DEADLINE_SECONDS} have passed since the run started, the fetch fails and every stream is
 * closed. One daemon thread, ticking a few times per window.
 */
final class Watch {
  private static final Logger LOG = LoggerFactory.getLogger(Watch.class);

  private final Settings.Pace pace;
  private final long runStarted;
  private final AtomicReference<Throwable> failure;
  private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
  private final Thread thread;
  private volatile boolean stopped;

  /** One stream being read: its reader updates {@link #bytes} after every read. */
  static final class Stream {
    private final Closeable in;
    volatile long bytes;
    private long windowStart;
    private long bytesAtWindowStart;
    private volatile String why;

    private Stream(Closeable in, long now) {
      this.in = in;
      this.windowStart = now;
    }

    /** Whether the watch closed this stream, and {@link #why} says why. */
    boolean stalled() {
      return why != null;
    }

    String why() {
      return why;
    }

    private void close(String reason) {
      why = reason;
      try {
        in.close();
      } catch (IOException | RuntimeException ignored) {
        // Closing under a blocked reader: its read fails, which is the point.
      }
    }
  }

  private Watch(Settings.Pace pace, long runStarted, AtomicReference<Throwable> failure) {
    this.pace = pace;
    this.runStarted = runStarted;
    this.failure = failure;
    this.thread = new Thread(this::run, "transfer-watch");
    thread.setDaemon(true);
  }

  /** A watch for one fetch, or null when neither limit is set. */
  static Watch start(Settings.Pace pace, long runStarted, AtomicReference<Throwable> failure) {
    if (pace.minRate() <= 0 && pace.deadline().isEmpty()) {
      return null;
    }
    Watch w = new Watch(pace, runStarted, failure);
    w.thread.start();
    return w;
  }

  Stream add(Closeable in) {
    Stream s = new Stream(in, System.nanoTime());
    streams.add(s);
    if (pace.nanosLeft(runStarted) <= 0) {
      s.close(deadlinePassed());
    }
    return s;
  }

  void remove(Stream s) {
    streams.remove(s);
  }

  void stop() {
    stopped = true;
    thread.interrupt();
  }

  private void run() {
    long windowNanos = pace.window().toNanos();
    long tick = Math.max(50, Math.min(1_000, pace.window().toMillis() / 4));
    while (!stopped) {
      try {
        Thread.sleep(tick);
      } catch (InterruptedException e) {
        return;
      }
      long now = System.nanoTime();
      if (pace.nanosLeft(runStarted) <= 0) {
        String why = deadlinePassed();
        failure.compareAndSet(null, new StorageException(Kind.TRANSIENT, why));
        streams.forEach(s -> s.close(why));
        continue;
      }
      if (pace.minRate() <= 0) {
        continue;
      }
      for (Stream s : streams) {
        if (now - s.windowStart < windowNanos) {
          continue;
        }
        long got = s.bytes - s.bytesAtWindowStart;
        double seconds = (now - s.windowStart) / 1e9;
        if (got < pace.minRate() * seconds) {
          String why =
              String.format(
                  java.util.Locale.ROOT,
                  "the store sent %d bytes in %.0f s, slower than STORAGE_MIN_RATE=%d bytes/s over"
                      + " STORAGE_MIN_RATE_WINDOW_SECONDS=%d (a stalled connection?); 0 switches"
                      + " the check off",
                  got,
                  seconds,
                  pace.minRate(),
                  pace.window().toSeconds());
          LOG.debug("closing a stream: {}", why);
          s.close(why);
        } else {
          s.windowStart = now;
          s.bytesAtWindowStart = s.bytes;
        }
      }
    }
  }

  private String deadlinePassed() {
    return pace.missed("the download")
        + "; what was fetched is kept hidden in DEST and a new run resumes it";
  }
}
