package io.storageinit.runtime;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs a progress line every few seconds while a transfer runs, and formats the summary line. */
final class Progress implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Progress.class);

  private final TransferStats stats;
  private final long startNanos = System.nanoTime();
  private final ScheduledExecutorService timer;
  private long lastBytes;
  private long lastNanos = startNanos;

  Progress(TransferStats stats, Duration interval) {
    this.stats = stats;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "progress");
              t.setDaemon(true);
              return t;
            });
    long ms = interval.toMillis();
    timer.scheduleAtFixedRate(this::report, ms, ms, TimeUnit.MILLISECONDS);
  }

  private synchronized void report() {
    long now = System.nanoTime();
    long done = stats.bytesTransferred.get();
    long total = stats.bytesExpected.get();
    double seconds = Math.max(1e-3, (now - lastNanos) / 1e9);
    double rate = (done - lastBytes) / seconds;
    lastBytes = done;
    lastNanos = now;
    long remaining = Math.max(0, total - done - stats.bytesReused.get());
    String eta = rate > 0 && total > 0 ? formatSeconds(remaining / rate) : "?";
    LOG.info(
        "progress: {} of {}{}, {}/s, ETA {}, files {}/{}",
        bytes(done + stats.bytesReused.get()),
        bytes(total),
        total > 0
            ? String.format(
                Locale.ROOT, " (%.0f%%)", 100.0 * (done + stats.bytesReused.get()) / total)
            : "",
        bytes((long) rate),
        eta,
        stats.filesDone.get(),
        stats.filesExpected.get());
  }

  /** One line for the end of the run. */
  String summary() {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    long bytes = stats.bytesTransferred.get();
    // Concatenated rather than String.format: the JDK's number formatting loads its locale data,
    // a few milliseconds at the end of every run.
    return stats.filesDone.get()
        + " files, "
        + bytes(bytes)
        + " transferred in "
        + oneDecimal(seconds)
        + "s ("
        + oneDecimal(bytes / 1e6 / Math.max(seconds, 1e-3))
        + " MB/s), "
        + stats.filesReused.get()
        + " reused, "
        + stats.filesLinked.get()
        + " linked, "
        + stats.retries.get()
        + " retries"
        + (stats.cacheHits.get() + stats.cacheMisses.get() == 0
            ? ""
            : ", cache "
                + stats.cacheHits.get()
                + " hit(s) "
                + stats.cacheMisses.get()
                + " miss(es)");
  }

  /** {@code v >= 0} rounded half up to one decimal, as {@code %.1f} prints it. */
  static String oneDecimal(double v) {
    long tenths = Math.round(v * 10);
    return tenths / 10 + "." + tenths % 10;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return oneDecimal(v) + " " + units[u];
  }

  private static String formatSeconds(double s) {
    long secs = (long) Math.ceil(s);
    return secs >= 3600
        ? String.format(Locale.ROOT, "%dh%02dm", secs / 3600, (secs % 3600) / 60)
        : secs >= 60 ? String.format(Locale.ROOT, "%dm%02ds", secs / 60, secs % 60) : secs + "s";
  }
}
