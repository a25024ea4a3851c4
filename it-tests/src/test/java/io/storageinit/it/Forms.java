package io.storageinit.it;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Reads {@code application/x-www-form-urlencoded} text: a request's query or form body. */
final class Forms {
  private Forms() {}

  /** Each {@code name=value} pair, decoded; pairs without a name or {@code =} are left out. */
  static Map<String, String> parse(String raw) {
    Map<String, String> form = new HashMap<>();
    for (String pair : (raw == null ? "" : raw).split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        form.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return form;
  }
}
