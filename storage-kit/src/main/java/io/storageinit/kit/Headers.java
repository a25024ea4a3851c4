package io.storageinit.kit;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

  /**
   * The header fields of a JSON object of names to values, as KServe's {@code <host>-headers} and
   * the HDFS secret's {@code HEADERS} hold them; null, with problems added, when the text is not
   * such an object or a field is not valid ({@link #problem}). Problems name {@code source} and the
   * field, never a value (those are usually tokens), nor the JSON reader's message (it may quote
   * the text). Numbers and booleans are taken as their text.
   */
  public static Map<String, String> fromJson(String json, String source, List<String> problems) {
    Object parsed;
    try {
      parsed = JsonReader.parse(json.getBytes(StandardCharsets.UTF_8));
    } catch (Malformed e) {
      problems.add(
          source
              + " is not valid JSON: it must be a JSON object of header names to values, e.g."
              + " {\"Authorization\": \"Bearer ...\"}");
      return null;
    }
    if (!(parsed instanceof Map<?, ?> fields)) {
      problems.add(
          source
              + " must be a JSON object of header names to values, e.g."
              + " {\"Authorization\": \"Bearer ...\"}");
      return null;
    }
    Map<String, String> headers = new LinkedHashMap<>();
    int before = problems.size();
    for (Map.Entry<?, ?> e : fields.entrySet()) {
      String field = (String) e.getKey();
      Object v = e.getValue();
      if (v instanceof Map || v instanceof List || v == null) {
        problems.add(source + ": the header '" + printable(field) + "' must have a string value");
        continue;
      }
      String problem = problem(field, v.toString());
      if (problem != null) {
        problems.add(
            source
                + ": the header '"
                + printable(field)
                + "' "
                + problem
                + "; fix it in the secret");
        continue;
      }
      headers.put(field, v.toString());
    }
    return problems.size() > before ? null : headers;
  }

  /** The Host field for {@code uri}: its host, and its port unless the scheme's default. */
  public static String hostField(URI uri) {
    boolean secure = "https".equalsIgnoreCase(uri.getScheme());
    int port = uri.getPort();
    String host = uri.getHost();
    return port > 0 && port != (secure ? 443 : 80) ? host + ":" + port : host;
  }
}
