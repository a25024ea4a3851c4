package io.storageinit.api;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A URI format a provider serves, as KServe's {@code ClusterStorageContainer.supportedUriFormats}
 * states it: a prefix or a regular expression. Immutable and thread-safe.
 *
 * @since 0.1
 */
public final class UriFormat {
  private final String prefix;
  private final String regex;

  private UriFormat(String prefix, String regex) {
    this.prefix = prefix;
    this.regex = regex;
  }

  /** A format matching URIs that start with {@code prefix}, such as {@code s3://}. */
  public static UriFormat prefix(String prefix) {
    return new UriFormat(Objects.requireNonNull(prefix, "prefix"), null);
  }

  /**
   * A format matching URIs that match {@code regex}.
   *
   * @throws java.util.regex.PatternSyntaxException if the expression is invalid
   */
  public static UriFormat regex(String regex) {
    Pattern.compile(regex);
    return new UriFormat(null, regex);
  }

  /** Returns the prefix, or null for a regular-expression format. */
  public String prefix() {
    return prefix;
  }

  /** Returns the regular expression, or null for a prefix format. */
  public String regex() {
    return regex;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UriFormat f
        && Objects.equals(f.prefix, prefix)
        && Objects.equals(f.regex, regex);
  }

  @Override
  public int hashCode() {
    return Objects.hash(prefix, regex);
  }

  @Override
  public String toString() {
    return prefix != null ? "prefix " + prefix : "regex " + regex;
  }
}
