package io.storageinit.kit;

import io.storageinit.api.ProviderContext;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Reads typed settings from a {@link ProviderContext}, adding a problem to a list (to be reported
 * all at once) rather than throwing on the first bad value. Problems name the variable and say what
 * it should be; they quote the value, so use these only for settings that are not secret.
 *
 * @since 0.4
 */
public final class Env {
  private static final java.util.regex.Pattern SIZE =
      java.util.regex.Pattern.compile(
          "(?i)\\s*(\\d+)\\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)\\s*");

  private Env() {}

  /**
   * A size such as {@code 1048576}, {@code 16MiB}, {@code 8m} or {@code 2g} (units of 1024).
   *
   * @throws IllegalArgumentException when it is not one, or past {@code Long.MAX_VALUE}
   */
  public static long parseSize(String text) {
    java.util.regex.Matcher m = SIZE.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a size: " + text);
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2).toLowerCase(java.util.Locale.ROOT);
    int shift =
        switch (unit.isEmpty() ? ' ' : unit.charAt(0)) {
          case 'k' -> 10;
          case 'm' -> 20;
          case 'g' -> 30;
          case 't' -> 40;
          default -> 0;
        };
    if (shift > 0 && n > (Long.MAX_VALUE >> shift)) {
      throw new IllegalArgumentException("too large: " + text);
    }
    return n << shift;
  }

  /** A positive whole number; {@code dflt} when unset, or (with a problem) when invalid. */
  public static long positive(ProviderContext c, String name, long dflt, List<String> problems) {
    Optional<String> v = c.env(name);
    if (v.isEmpty()) {
      return dflt;
    }
    try {
      long n = Long.parseLong(v.get());
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // Reported below.
    }
    problems.add(name + "=" + v.get() + " is not a positive whole number");
    return dflt;
  }

  /**
   * A service's base URL from the variable {@code name} ({@code value}, or {@code dflt} when unset
   * or blank): trailing slashes dropped, http or https with a host, else a problem naming the
   * variable (and null).
   */
  public static java.net.URI httpEndpoint(
      String name, Optional<String> value, String dflt, List<String> problems) {
    String raw = value.map(String::trim).filter(v -> !v.isEmpty()).orElse(dflt);
    while (raw.endsWith("/")) {
      raw = raw.substring(0, raw.length() - 1);
    }
    try {
      java.net.URI endpoint = java.net.URI.create(raw);
      String scheme = String.valueOf(endpoint.getScheme()).toLowerCase(java.util.Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && endpoint.getHost() != null) {
        return endpoint;
      }
      problems.add(name + "=" + raw + " is not an http(s) URL such as " + dflt);
    } catch (IllegalArgumentException e) {
      problems.add(name + "=" + raw + " is not a URL such as " + dflt);
    }
    return null;
  }

  /** A positive whole number of seconds; {@code dflt} seconds when unset or invalid. */
  public static Duration positiveSeconds(
      ProviderContext c, String name, long dflt, List<String> problems) {
    int before = problems.size();
    long s = positive(c, name, dflt, problems);
    if (problems.size() > before) {
      problems.set(
          before,
          name + "=" + c.env(name).orElse("") + " is not a positive whole number of seconds");
    }
    return Duration.ofSeconds(s);
  }
}
