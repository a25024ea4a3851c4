package io.storageinit.runtime;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The secret values of this run, and masking of them in any text. Every byte the process writes to
 * stderr and stdout passes through {@link #maskingStream}, so a secret cannot reach the log even
 * through a third-party library's message. Thread-safe.
 */
final class Secrets {
  static final String MASK = "****";

  /**
   * Environment variables whose values are secret, whatever provider is installed: names holding
   * one of these (case aside), or ending in {@code -headers}. Plain string tests rather than a
   * regular expression: compiling one is a measurable part of start-up.
   */
  private static final List<String> SECRET_WORDS =
      List.of(
          "secret",
          "token",
          "password",
          "passwd",
          "credential",
          "keytab",
          "private_key",
          "tls_key");

  /** Where a secret lives (HDFS_SECRET_DIR, AWS_WEB_IDENTITY_TOKEN_FILE) is not itself secret. */
  private static final List<String> LOCATION_SUFFIXES = List.of("_dir", "_file", "_path");

  static boolean secretName(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    for (String suffix : LOCATION_SUFFIXES) {
      if (n.endsWith(suffix)) {
        return false;
      }
    }
    if (n.endsWith("-headers")) {
      return true;
    }
    for (String word : SECRET_WORDS) {
      if (n.contains(word)) {
        return true;
      }
    }
    return false;
  }

  /** Shorter values are not masked: replacing every "1" in the log would hide more than protect. */
  private static final int MIN_LENGTH = 3;

  private final List<String> values = new CopyOnWriteArrayList<>();

  /** Registers the values of every environment variable whose name says it is secret. */
  void addFromEnvironment(Map<String, String> env) {
    env.forEach(
        (name, value) -> {
          if (secretName(name)) {
            add(value);
          }
        });
  }

  /** Registers the values of the named keys of {@code source}. */
  void addKeys(Map<String, String> source, Set<String> keys) {
    keys.forEach(k -> add(source.get(k)));
  }

  /**
   * Registers {@code value}; longer values are masked first, so a secret holding another goes
   * whole.
   */
  synchronized void add(String value) {
    String v = value == null ? "" : value.strip();
    if (v.length() >= MIN_LENGTH && !values.contains(v)) {
      int at = 0;
      while (at < values.size() && values.get(at).length() >= v.length()) {
        at++;
      }
      values.add(at, v);
    }
  }

  String mask(String text) {
    if (text == null) {
      return null;
    }
    String masked = text;
    for (String value : values) {
      masked = masked.replace(value, MASK);
    }
    return masked;
  }

  /**
   * Returns a stream that masks secrets in each line before passing it on. Lines are buffered until
   * their newline, so a secret split across two writes is still caught.
   */
  PrintStream maskingStream(OutputStream target) {
    return new PrintStream(new MaskingOutputStream(target), true, StandardCharsets.UTF_8);
  }

  private final class MaskingOutputStream extends OutputStream {
    private final OutputStream target;
    private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

    MaskingOutputStream(OutputStream target) {
      this.target = target;
    }

    @Override
    public synchronized void write(int b) throws java.io.IOException {
      line.write(b);
      if (b == '\n') {
        flushLine();
      }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws java.io.IOException {
      for (int i = off; i < off + len; i++) {
        write(b[i]);
      }
    }

    @Override
    public synchronized void flush() throws java.io.IOException {
      if (line.size() > 0 && line.toByteArray()[line.size() - 1] == '\n') {
        flushLine();
      }
      target.flush();
    }

    @Override
    public synchronized void close() throws java.io.IOException {
      flushLine();
      target.flush();
    }

    private void flushLine() throws java.io.IOException {
      if (line.size() > 0) {
        target.write(mask(line.toString(StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        line.reset();
      }
    }
  }
}
