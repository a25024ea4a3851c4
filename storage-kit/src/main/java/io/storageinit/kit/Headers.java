package io.storageinit.kit;

import java.net.URI;

/**
 * Checks on request header fields, made before anything is sent: a value with a line break would
 * split the request (and the JDK's clients put the offending value in their exception's message,
 * which then reaches the log). Messages name the field, never its value.
 *
 * @since 0.4
 */
public final class Headers {
  private Headers() {}

  /**
   * What is wrong with a header field, or null when nothing is: a name that is not an HTTP token,
   * or a value holding a control character (a line break above all) or a character outside
   * ISO-8859-1. The text never contains the value.
   */
  public static String problem(String name, String value) {
    if (name == null || name.isEmpty()) {
      return "has an empty name";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c <= 0x20 || c >= 0x7f || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
        return "has a name that is not an HTTP token";
      }
    }
    if (value == null) {
      return "has no value";
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\r' || c == '\n') {
        return "has a value with a line break";
      }
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return "has a value with a control character";
      }
      if (c > 0xff) {
        return "has a value with a character outside ISO-8859-1";
      }
    }
    return null;
  }

  /**
   * At most 80 characters of a server's text (a status line, a header value) for a message, every
   * character outside printable ASCII shown as {@code ?}.
   */
  public static String printable(String s) {
    String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
    return cut.replaceAll("[^\\x20-\\x7e]", "?");
  }

  /** The Host field for {@code uri}: its host, and its port unless the scheme's default. */
  public static String hostField(URI uri) {
    boolean secure = "https".equalsIgnoreCase(uri.getScheme());
    int port = uri.getPort();
    String host = uri.getHost();
    return port > 0 && port != (secure ? 443 : 80) ? host + ":" + port : host;
  }
}
