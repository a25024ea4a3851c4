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
  private Env() {}

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
