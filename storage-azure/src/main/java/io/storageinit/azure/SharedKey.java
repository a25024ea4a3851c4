package io.storageinit.azure;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs requests with an account key, as Azure Storage defines SharedKey for the Blob and File
 * services (versions 2015-02-21 and later): HMAC-SHA256 over the verb, the standard header fields,
 * the {@code x-ms-} fields and the canonical resource. Hand-written because it is small and the SDK
 * that holds it ({@code azure-storage-common}) would bring azure-core and Reactor to every run.
 */
final class SharedKey {
  private final String account;
  private final SecretKeySpec key;

  /**
   * @param base64Key the account key as the portal shows it
   * @throws IllegalArgumentException when the key is not base64
   */
  SharedKey(String account, String base64Key) {
    this.account = account;
    this.key = new SecretKeySpec(Base64.getDecoder().decode(base64Key.trim()), "HmacSHA256");
  }

  /** The {@code Authorization} value for a request of {@code method} to {@code url}. */
  String authorization(String method, URI url, Map<String, String> headers) {
    return "SharedKey " + account + ":" + signature(stringToSign(method, url, headers));
  }

  String signature(String stringToSign) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return Base64.getEncoder()
          .encodeToString(mac.doFinal(stringToSign.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  String stringToSign(String method, URI url, Map<String, String> headers) {
    Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    h.putAll(headers);
    String length = h.getOrDefault("Content-Length", "");
    StringBuilder s = new StringBuilder(method).append('\n');
    for (String name : List.of("Content-Encoding", "Content-Language")) {
      s.append(h.getOrDefault(name, "")).append('\n');
    }
    s.append(length.equals("0") ? "" : length).append('\n');
    for (String name :
        List.of(
            "Content-MD5",
            "Content-Type",
            "Date",
            "If-Modified-Since",
            "If-Match",
            "If-None-Match",
            "If-Unmodified-Since",
            "Range")) {
      s.append(h.getOrDefault(name, "")).append('\n');
    }
    Map<String, String> ms = new TreeMap<>();
    h.forEach(
        (name, value) -> {
          String lower = name.toLowerCase(Locale.ROOT);
          if (lower.startsWith("x-ms-")) {
            ms.put(lower, value.trim().replaceAll("\\s+", " "));
          }
        });
    ms.forEach((name, value) -> s.append(name).append(':').append(value).append('\n'));
    s.append('/').append(account).append(url.getRawPath().isEmpty() ? "/" : url.getRawPath());
    Map<String, List<String>> query = new TreeMap<>();
    String raw = url.getRawQuery();
    if (raw != null && !raw.isEmpty()) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        String name = decode(eq < 0 ? pair : pair.substring(0, eq)).toLowerCase(Locale.ROOT);
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
        query.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
      }
    }
    query.forEach(
        (name, values) -> {
          List<String> sorted = new ArrayList<>(values);
          sorted.sort(null);
          s.append('\n').append(name).append(':').append(String.join(",", sorted));
        });
    return s.toString();
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }
}
