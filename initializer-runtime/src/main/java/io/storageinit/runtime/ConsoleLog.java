package io.storageinit.runtime;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J backend of the command: one line per event on standard error (which {@link Main} has
 * already routed through the secret mask), {@code 2024-05-01T12:00:00.000Z LEVEL message}, with a
 * stack trace below when there is one. The initializer's own loggers follow {@code
 * STORAGE_LOG_LEVEL}; libraries log at info, and the chatty ones (Apache, AWS SDK, Jetty) at warn.
 *
 * <p>A backend of its own rather than slf4j-simple: that one reads its settings from the class path
 * and formats times with {@code SimpleDateFormat}, which loads the JDK's locale data, together a
 * tenth of the command's start-up.
 */
public final class ConsoleLog implements SLF4JServiceProvider {
  private static final Map<String, Level> LIBRARY_LEVELS =
      Map.of("org.apache", Level.WARN, "software.amazon", Level.WARN, "org.eclipse", Level.WARN);

  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final MDCAdapter mdc = new NOPMDCAdapter();
  private Factory factory;

  /**
   * Called by SLF4J, which finds the class through {@code -Dslf4j.provider} or its service file.
   */
  public ConsoleLog() {}

  @Override
  public void initialize() {
    factory = new Factory(ownLevel(System.getenv("STORAGE_LOG_LEVEL")));
  }

  @Override
  public ILoggerFactory getLoggerFactory() {
    return factory;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  /** The level of the initializer's own loggers: {@code STORAGE_LOG_LEVEL}, info by default. */
  static Level ownLevel(String setting) {
    String s = setting == null ? "" : setting.trim().toUpperCase(Locale.ROOT);
    if (s.equals("OFF")) {
      return null;
    }
    for (Level l : Level.values()) {
      if (l.name().equals(s) || (s.equals("WARNING") && l == Level.WARN)) {
        return l;
      }
    }
    return Level.INFO;
  }

  /** The threshold of a logger: the initializer's own, a library's, or info. */
  static Level levelOf(String name, Level own) {
    if (name.startsWith("io.storageinit")) {
      return own;
    }
    for (Map.Entry<String, Level> e : LIBRARY_LEVELS.entrySet()) {
      if (name.startsWith(e.getKey())) {
        return e.getValue();
      }
    }
    return Level.INFO;
  }

  /** Formats {@code millis} since the epoch as {@code yyyy-MM-ddTHH:mm:ss.SSSZ} in UTC. */
  static String timestamp(long millis) {
    LocalDateTime t =
        LocalDateTime.ofEpochSecond(
            Math.floorDiv(millis, 1000),
            (int) Math.floorMod(millis, 1000) * 1_000_000,
            ZoneOffset.UTC);
    StringBuilder b = new StringBuilder(24);
    pad(b, t.getYear(), 4).append('-');
    pad(b, t.getMonthValue(), 2).append('-');
    pad(b, t.getDayOfMonth(), 2).append('T');
    pad(b, t.getHour(), 2).append(':');
    pad(b, t.getMinute(), 2).append(':');
    pad(b, t.getSecond(), 2).append('.');
    return pad(b, t.getNano() / 1_000_000, 3).append('Z').toString();
  }

  private static StringBuilder pad(StringBuilder b, int value, int width) {
    String s = Integer.toString(value);
    for (int i = s.length(); i < width; i++) {
      b.append('0');
    }
    return b.append(s);
  }

  /**
   * One line (and a stack trace) for an event. A message of several lines (a list of configuration
   * problems) continues on lines indented by {@code " | "}, and control characters are escaped: a
   * name from a store or a user with a line break in it can never forge a line of its own.
   */
  static String line(long millis, Level level, String message, Throwable thrown) {
    StringBuilder b = new StringBuilder(64 + (message == null ? 4 : message.length()));
    b.append(timestamp(millis)).append(' ').append(level.name()).append(' ');
    appendEscaped(b, String.valueOf(message));
    b.append(System.lineSeparator());
    if (thrown != null) {
      StringWriter trace = new StringWriter();
      thrown.printStackTrace(new PrintWriter(trace, true));
      b.append(trace);
    }
    return b.toString();
  }

  /** {@code text} on one line: every control character escaped, line breaks too. */
  static String escape(String text) {
    StringBuilder b = new StringBuilder(text.length());
    appendEscaped(b, text.replace("\r", "\\u000d").replace("\n", "\\u000a"));
    return b.toString();
  }

  private static void appendEscaped(StringBuilder b, String message) {
    for (int i = 0; i < message.length(); i++) {
      char c = message.charAt(i);
      if (c == '\n') {
        b.append(System.lineSeparator()).append("  | ");
      } else if (c == '\r' && i + 1 < message.length() && message.charAt(i + 1) == '\n') {
        // A CRLF is one line break.
      } else if (c < 0x20 && c != '\t'
          || c == 0x7f
          || (c >= 0x80 && c < 0xa0)
          || c == '\u2028'
          || c == '\u2029') {
        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
  }

  private static final class Factory implements ILoggerFactory {
    private final Level own;
    private final Map<String, Logger> loggers = new ConcurrentHashMap<>();

    Factory(Level own) {
      this.own = own;
    }

    @Override
    public Logger getLogger(String name) {
      return loggers.computeIfAbsent(name, n -> new ConsoleLogger(n, levelOf(n, own)));
    }
  }

  /** A logger that prints events at or above its threshold; a null threshold prints nothing. */
  static final class ConsoleLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;
    private final transient Level threshold;

    ConsoleLogger(String name, Level threshold) {
      this.name = name;
      this.threshold = threshold;
    }

    private boolean enabled(Level level) {
      return threshold != null && level.toInt() >= threshold.toInt();
    }

    @Override
    public boolean isTraceEnabled() {
      return enabled(Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
      return enabled(Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
      return enabled(Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
      return enabled(Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
      return enabled(Level.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(
        Level level, Marker marker, String pattern, Object[] arguments, Throwable thrown) {
      String message = MessageFormatter.basicArrayFormat(pattern, arguments);
      // One write per event, so that lines of threads logging at once do not interleave.
      System.err.print(line(System.currentTimeMillis(), level, message, thrown));
      System.err.flush();
    }
  }
}
