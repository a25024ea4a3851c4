package io.storageinit.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.storageinit.api.StorageException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Everything the runtime reads from the environment, parsed and checked up front. Every problem is
 * collected and reported at once, so a user fixes the InferenceService in one go.
 */
record Settings(
    int concurrency,
    long partSize,
    int maxAttempts,
    Duration retryInitialDelay,
    Duration retryMaxDelay,
    Duration progressInterval,
    LocalMode localMode,
    List<String> allowPatterns,
    List<String> ignorePatterns,
    ArchiveLimits archiveLimits,
    Map<String, String> pinnedProviders,
    Optional<List<String>> validators,
    Optional<java.nio.file.Path> cacheDir,
    long cacheMaxBytes,
    CacheAccessCheck cacheAccessCheck,
    DiskCheck diskCheck,
    Map<String, String> storageConfig,
    Pace pace) {

  /**
   * The slowest a transfer may be: each stream must deliver at least {@code minRate} bytes per
   * second, averaged over {@code window} (a {@code minRate} of 0 switches the check off), and the
   * whole run must end within {@code deadline}, if one is set.
   */
  record Pace(long minRate, Duration window, Optional<Duration> deadline) {
    static final Pace UNCHECKED = new Pace(0, Duration.ofSeconds(30), Optional.empty());

    /**
     * The nanoseconds left before the deadline of a run that started at {@code started} ({@link
     * System#nanoTime}): zero or less once it has passed, {@link Long#MAX_VALUE} without one.
     */
    long nanosLeft(long started) {
      return deadline.isEmpty()
          ? Long.MAX_VALUE
          : started + deadline.get().toNanos() - System.nanoTime();
    }

    /** What to say when {@code what} outlasted the deadline. */
    String missed(String what) {
      return what
          + " did not finish within STORAGE_DEADLINE_SECONDS="
          + deadline.orElseThrow().toSeconds();
    }
  }

  /** How sources already on a local file system reach the destination. */
  /**
   * What a node-cache hit must show before the pod gets the cached files ({@code
   * STORAGE_CACHE_ACCESS_CHECK}): {@code each-object} (the default) reads one byte of every object
   * with the pod's own credentials, so a pod that may list but not read gets nothing it could not
   * have fetched; {@code none} trusts every pod on the node with every entry (nodes whose pods
   * share one set of credentials).
   */
  enum CacheAccessCheck {
    EACH_OBJECT,
    NONE
  }

  /**
   * Whether a model must be seen to fit before it is fetched ({@code STORAGE_DISK_CHECK}, default
   * true), and how many bytes to keep free beyond it ({@code STORAGE_DISK_MARGIN}, default 0).
   */
  record DiskCheck(boolean on, long margin) {
    static final DiskCheck OFF = new DiskCheck(false, 0);
  }

  enum LocalMode {
    /** Symlink each top-level entry, as KServe does: no copy, no extra space. */
    LINK,
    /** Copy the files: for consumers that need real files or a writable copy. */
    COPY
  }

  /** Bounds on what one archive may unpack to. */
  record ArchiveLimits(long maxBytes, long maxEntries, long maxRatio) {}

  static final int DEFAULT_CONCURRENCY = 8;

  /** STORAGE_PART_SIZE unset: the engine sizes ranges per plan. */
  static final long AUTO_PART_SIZE = 0;

  /** Jackson costs a tenth of a second to start: only runs that have JSON to read pay it. */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  static Settings fromEnvironment(Map<String, String> env) {
    Reader r = new Reader(env);
    int concurrency = r.integer("STORAGE_CONCURRENCY", DEFAULT_CONCURRENCY, 1, 256);
    long partSize = r.size("STORAGE_PART_SIZE", AUTO_PART_SIZE, 64 << 10, 1L << 32);
    int maxAttempts = r.integer("STORAGE_MAX_ATTEMPTS", 5, 1, 100);
    Duration initialDelay =
        Duration.ofMillis(r.integer("STORAGE_RETRY_INITIAL_DELAY_MS", 200, 0, 600_000));
    Duration maxDelay =
        Duration.ofMillis(r.integer("STORAGE_RETRY_MAX_DELAY_MS", 20_000, 0, 3_600_000));
    Duration progress =
        Duration.ofSeconds(r.integer("STORAGE_PROGRESS_INTERVAL_SECONDS", 5, 1, 3600));
    LocalMode localMode =
        r.choice(
            "STORAGE_PVC_MODE", LocalMode.LINK, v -> LocalMode.valueOf(v.toUpperCase(Locale.ROOT)));
    List<String> allow = r.patterns("STORAGE_ALLOW_PATTERNS");
    List<String> ignore = r.patterns("STORAGE_IGNORE_PATTERNS");
    ArchiveLimits limits =
        new ArchiveLimits(
            r.size("STORAGE_ARCHIVE_MAX_BYTES", 64L << 30, 1, Long.MAX_VALUE),
            r.integer("STORAGE_ARCHIVE_MAX_ENTRIES", 100_000, 1, Integer.MAX_VALUE),
            r.integer("STORAGE_ARCHIVE_MAX_RATIO", 250, 1, Integer.MAX_VALUE));
    Map<String, String> pins = new LinkedHashMap<>();
    env.forEach(
        (k, v) -> {
          if (k.startsWith("STORAGE_PROVIDER_") && !v.isBlank()) {
            pins.put(
                k.substring("STORAGE_PROVIDER_".length())
                    .toLowerCase(Locale.ROOT)
                    .replace('_', '-'),
                v.trim());
          }
        });
    Optional<List<String>> validators =
        Optional.ofNullable(env.get("STORAGE_VALIDATORS"))
            .map(
                v ->
                    Arrays.stream(v.split(","))
                        .map(String::trim)
                        .filter(s -> !s.isEmpty())
                        .toList());
    Optional<java.nio.file.Path> cacheDir =
        Optional.ofNullable(env.get("STORAGE_CACHE_DIR"))
            .filter(v -> !v.isBlank())
            .map(v -> java.nio.file.Path.of(v.trim()));
    long cacheMax = r.size("STORAGE_CACHE_MAX_BYTES", 50L << 30, 1, Long.MAX_VALUE);
    DiskCheck diskCheck =
        new DiskCheck(
            r.bool("STORAGE_DISK_CHECK", true),
            r.size("STORAGE_DISK_MARGIN", 0, 0, Long.MAX_VALUE));
    CacheAccessCheck accessCheck =
        r.choice(
            "STORAGE_CACHE_ACCESS_CHECK",
            CacheAccessCheck.EACH_OBJECT,
            v -> CacheAccessCheck.valueOf(v.toUpperCase(Locale.ROOT).replace('-', '_')));
    Map<String, String> storageConfig = r.storageConfig();
    Pace pace =
        new Pace(
            r.size("STORAGE_MIN_RATE", 1024, 0, 1L << 40),
            Duration.ofSeconds(r.integer("STORAGE_MIN_RATE_WINDOW_SECONDS", 30, 1, 86_400)),
            r.get("STORAGE_DEADLINE_SECONDS").isEmpty()
                ? Optional.empty()
                : Optional.of(
                    Duration.ofSeconds(r.integer("STORAGE_DEADLINE_SECONDS", 0, 1, 7 * 86_400))));
    r.throwIfProblems();
    return new Settings(
        concurrency,
        partSize,
        maxAttempts,
        initialDelay,
        maxDelay,
        progress,
        localMode,
        allow,
        ignore,
        limits,
        Map.copyOf(pins),
        validators,
        cacheDir,
        cacheMax,
        accessCheck,
        diskCheck,
        storageConfig,
        pace);
  }

  /** Reads values, collecting problems instead of failing on the first. */
  private static final class Reader {
    private final Map<String, String> env;
    private final List<String> problems = new ArrayList<>();

    Reader(Map<String, String> env) {
      this.env = env;
    }

    private Optional<String> get(String name) {
      String v = env.get(name);
      return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    int integer(String name, int dflt, int min, int max) {
      return (int) number(name, dflt, min, max, Long::parseLong, "a whole number");
    }

    long size(String name, long dflt, long min, long max) {
      return number(name, dflt, min, max, Settings::parseSize, "a size such as 16MiB or 1048576");
    }

    private long number(
        String name, long dflt, long min, long max, Function<String, Long> parse, String what) {
      Optional<String> raw = get(name);
      if (raw.isEmpty()) {
        return dflt;
      }
      try {
        long v = parse.apply(raw.get());
        if (v < min || v > max) {
          problems.add(name + "=" + raw.get() + " is out of range; use " + min + ".." + max);
          return dflt;
        }
        return v;
      } catch (RuntimeException e) {
        problems.add(name + "=" + raw.get() + " is not " + what);
        return dflt;
      }
    }

    <T extends Enum<T>> T choice(String name, T dflt, Function<String, T> parse) {
      Optional<String> raw = get(name);
      if (raw.isEmpty()) {
        return dflt;
      }
      try {
        return parse.apply(raw.get());
      } catch (IllegalArgumentException e) {
        problems.add(
            name
                + "="
                + raw.get()
                + " is not one of "
                + Arrays.toString(dflt.getDeclaringClass().getEnumConstants())
                    .toLowerCase(Locale.ROOT));
        return dflt;
      }
    }

    /** {@code true} or {@code false}, in any case. */
    boolean bool(String name, boolean dflt) {
      Optional<String> raw = get(name);
      if (raw.isEmpty()) {
        return dflt;
      }
      String v = raw.get().trim();
      if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
        return Boolean.parseBoolean(v);
      }
      problems.add(name + "=" + raw.get() + " is not true or false");
      return dflt;
    }

    /** KServe accepts a JSON array or a comma-separated list of fnmatch globs. */
    List<String> patterns(String name) {
      Optional<String> raw = get(name);
      if (raw.isEmpty()) {
        return List.of();
      }
      String v = raw.get();
      if (v.startsWith("[")) {
        try {
          JsonNode node = Json.MAPPER.readTree(v);
          List<String> out = new ArrayList<>();
          for (JsonNode n : node) {
            if (!n.isTextual()) {
              throw new IllegalArgumentException("not a string: " + n);
            }
            out.add(n.asText());
          }
          return List.copyOf(out);
        } catch (JsonProcessingException | IllegalArgumentException e) {
          problems.add(name + " is not a JSON array of strings: " + e.getMessage());
          return List.of();
        }
      }
      return Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** STORAGE_CONFIG with STORAGE_OVERRIDE_CONFIG's keys winning, as strings. */
    Map<String, String> storageConfig() {
      Map<String, String> merged = new LinkedHashMap<>();
      for (String name : List.of("STORAGE_CONFIG", "STORAGE_OVERRIDE_CONFIG")) {
        Optional<String> raw = get(name);
        if (raw.isEmpty()) {
          continue;
        }
        try {
          JsonNode node = Json.MAPPER.readTree(raw.get());
          if (node == null || !node.isObject()) {
            problems.add(name + " must be a JSON object");
            continue;
          }
          node.fields()
              .forEachRemaining(
                  e ->
                      merged.put(
                          e.getKey(),
                          e.getValue().isValueNode()
                              ? e.getValue().asText()
                              : e.getValue().toString()));
        } catch (JsonProcessingException e) {
          // The parser's message may quote the secret-bearing input: report the position only.
          problems.add(
              name
                  + " is not valid JSON (line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr()
                  + ")");
        }
      }
      return Map.copyOf(merged);
    }

    void throwIfProblems() {
      if (!problems.isEmpty()) {
        throw new StorageException(
            StorageException.Kind.INVALID_CONFIG,
            "Invalid configuration ("
                + problems.size()
                + (problems.size() == 1 ? " problem" : " problems")
                + "):\n  - "
                + String.join("\n  - ", problems));
      }
    }
  }

  static long parseSize(String text) {
    return io.storageinit.kit.Env.parseSize(text);
  }
}
