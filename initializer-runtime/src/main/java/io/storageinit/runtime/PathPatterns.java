package io.storageinit.runtime;

import java.util.List;
import java.util.regex.Pattern;

/**
 * KServe's {@code STORAGE_ALLOW_PATTERNS} / {@code STORAGE_IGNORE_PATTERNS}: Python fnmatch globs
 * matched against a path relative to the source root. As in fnmatch, {@code *} also matches {@code
 * /}, {@code ?} is one character, {@code [seq]} and {@code [!seq]} are sets; matching is
 * case-sensitive.
 */
final class PathPatterns {
  private final List<Pattern> allow;
  private final List<Pattern> ignore;

  PathPatterns(List<String> allow, List<String> ignore) {
    this.allow = allow.stream().map(PathPatterns::folder).map(PathPatterns::compile).toList();
    this.ignore = ignore.stream().map(PathPatterns::folder).map(PathPatterns::compile).toList();
  }

  /**
   * A pattern ending in {@code /} means everything below that folder, as the Hugging Face library
   * reads it; no listed path ends in {@code /}, so for other stores such a pattern matched nothing.
   */
  private static String folder(String glob) {
    return glob.endsWith("/") ? glob + "*" : glob;
  }

  boolean isEmpty() {
    return allow.isEmpty() && ignore.isEmpty();
  }

  /** Whether a relative path is kept: allowed (when allow patterns exist) and not ignored. */
  boolean keeps(String path) {
    boolean allowed = allow.isEmpty() || allow.stream().anyMatch(p -> p.matcher(path).matches());
    return allowed && ignore.stream().noneMatch(p -> p.matcher(path).matches());
  }

  /** Translates an fnmatch glob to a regular expression, as Python's fnmatch.translate does. */
  static Pattern compile(String glob) {
    StringBuilder re = new StringBuilder();
    int i = 0;
    int n = glob.length();
    while (i < n) {
      char c = glob.charAt(i++);
      switch (c) {
        case '*' -> re.append(".*");
        case '?' -> re.append('.');
        case '[' -> {
          int j = i;
          if (j < n && glob.charAt(j) == '!') {
            j++;
          }
          if (j < n && glob.charAt(j) == ']') {
            j++;
          }
          while (j < n && glob.charAt(j) != ']') {
            j++;
          }
          if (j >= n) {
            re.append("\\[");
          } else {
            String set = glob.substring(i, j).replace("\\", "\\\\");
            i = j + 1;
            if (set.startsWith("!")) {
              set = "^" + set.substring(1);
            } else if (set.startsWith("^")) {
              set = "\\" + set;
            }
            re.append('[').append(set).append(']');
          }
        }
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }
}
