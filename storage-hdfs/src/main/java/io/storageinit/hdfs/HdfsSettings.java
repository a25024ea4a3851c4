package io.storageinit.hdfs;

import io.storageinit.api.ProviderContext;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import io.storageinit.kit.Headers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * KServe's HDFS configuration: one file per key in the secret directory {@code
 * /var/secrets/kserve-hdfscreds} (or {@code HDFS_SECRET_DIR}), or the keys of a {@code
 * STORAGE_CONFIG} of type hdfs/webhdfs, written into a fresh private directory with the binary ones
 * (keytab, TLS material) base64-decoded. Standard Hadoop configuration ({@code HADOOP_CONF_DIR})
 * serves clusters with HA NameNodes. TLS material (TLS_CA, TLS_CERT, TLS_KEY, TLS_SKIP_VERIFY) and
 * HEADERS apply to WebHDFS, as in KServe.
 */
record HdfsSettings(
    Optional<String> namenode,
    Optional<String> userProxy,
    Optional<String> rootPath,
    Optional<String> principal,
    Optional<Path> keytab,
    Optional<Path> hadoopConfDir,
    Optional<Path> tlsCa,
    Optional<Path> tlsCert,
    Optional<Path> tlsKey,
    boolean tlsSkipVerify,
    Map<String, String> headers,
    boolean verifyChecksums,
    OptionalInt threads,
    Path secretDir) {

  static final String DEFAULT_SECRET_DIR = "/var/secrets/kserve-hdfscreds";
  static final Set<String> BASE64_KEYS = Set.of("KERBEROS_KEYTAB", "TLS_CERT", "TLS_KEY", "TLS_CA");

  static HdfsSettings from(ProviderContext context) {
    Map<String, String> config = context.storageConfig();
    String type = config.getOrDefault("type", "").toLowerCase(Locale.ROOT);
    Path dir =
        type.equals("hdfs") || type.equals("webhdfs")
            ? materialise(config, context)
            : Path.of(context.env("HDFS_SECRET_DIR").orElse(DEFAULT_SECRET_DIR));
    Optional<String> keytabText = read(dir, "KERBEROS_KEYTAB");
    Optional<String> principal = read(dir, "KERBEROS_PRINCIPAL");
    if (principal.isPresent() != keytabText.isPresent()) {
      throw new StorageException(
          Kind.INVALID_CONFIG,
          "Kerberos needs both KERBEROS_PRINCIPAL and KERBEROS_KEYTAB in "
              + dir
              + "; one is missing");
    }
    Optional<Path> cert = file(dir, "TLS_CERT");
    Optional<Path> key = file(dir, "TLS_KEY");
    if (cert.isPresent() != key.isPresent()) {
      throw new StorageException(
          Kind.INVALID_CONFIG,
          "A client certificate needs both TLS_CERT and TLS_KEY in " + dir + "; one is missing");
    }
    String skip = read(dir, "TLS_SKIP_VERIFY").orElse("false").toLowerCase(Locale.ROOT);
    if (!skip.equals("true") && !skip.equals("false")) {
      throw new StorageException(
          Kind.INVALID_CONFIG,
          "TLS_SKIP_VERIFY in " + dir + " must be true or false, not '" + skip + "'");
    }
    return new HdfsSettings(
        read(dir, "HDFS_NAMENODE"),
        read(dir, "USER_PROXY"),
        read(dir, "HDFS_ROOTPATH"),
        principal,
        keytabText.map(k -> dir.resolve("KERBEROS_KEYTAB")),
        context.env("HADOOP_CONF_DIR").map(Path::of),
        file(dir, "TLS_CA"),
        cert,
        key,
        skip.equals("true"),
        headers(dir, context),
        !context.env("HDFS_VERIFY_CHECKSUM").orElse("true").equalsIgnoreCase("false"),
        threads(dir),
        dir);
  }

  /** N_THREADS: KServe's bound on parallel HDFS downloads, honoured when the secret sets it. */
  private static OptionalInt threads(Path dir) {
    Optional<String> text = read(dir, "N_THREADS");
    if (text.isEmpty()) {
      return OptionalInt.empty();
    }
    try {
      int n = Integer.parseInt(text.get());
      if (n >= 1) {
        return OptionalInt.of(n);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new StorageException(
        Kind.INVALID_CONFIG,
        "N_THREADS in " + dir + " must be a whole number of at least 1, not '" + text.get() + "'");
  }

  /** A secret file that exists and is not empty. */
  private static Optional<Path> file(Path dir, String key) {
    Path file = dir.resolve(key);
    try {
      return Files.isRegularFile(file) && Files.size(file) > 0
          ? Optional.of(file)
          : Optional.empty();
    } catch (IOException e) {
      throw new StorageException(Kind.INVALID_CONFIG, "Cannot read " + file + ": " + e, e);
    }
  }

  /** HEADERS: a JSON object of extra request headers; the values are secrets (tokens). */
  private static Map<String, String> headers(Path dir, ProviderContext context) {
    Optional<String> text = read(dir, "HEADERS");
    if (text.isEmpty()) {
      return Map.of();
    }
    context.registerSecret(text.get());
    List<String> problems = new ArrayList<>();
    Map<String, String> headers = Headers.fromJson(text.get(), "HEADERS in " + dir, problems);
    if (headers == null) {
      throw new StorageException(Kind.INVALID_CONFIG, String.join("; ", problems));
    }
    headers.values().forEach(context::registerSecret);
    return Map.copyOf(headers);
  }

  /** One secret file's text, trimmed; empty when the file is missing or blank. */
  private static Optional<String> read(Path dir, String key) {
    Path file = dir.resolve(key);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      String v =
          key.equals("KERBEROS_KEYTAB")
              ? "present"
              : Files.readString(file, StandardCharsets.UTF_8).trim();
      return v.isEmpty() ? Optional.empty() : Optional.of(v);
    } catch (IOException e) {
      throw new StorageException(Kind.INVALID_CONFIG, "Cannot read " + file + ": " + e, e);
    }
  }

  /** Writes STORAGE_CONFIG's keys as files, as KServe's initializer does, into a private folder. */
  private static Path materialise(Map<String, String> config, ProviderContext context) {
    Path dir = context.privateDirectory().resolve("hdfs-secrets");
    try {
      Files.createDirectories(dir);
      Map<String, String> keys = new LinkedHashMap<>(config);
      keys.remove("type");
      for (Map.Entry<String, String> e : keys.entrySet()) {
        Path file = dir.resolve(e.getKey());
        if (!file.normalize().startsWith(dir)) {
          throw new StorageException(
              Kind.INVALID_CONFIG, "STORAGE_CONFIG key '" + e.getKey() + "' is not a file name");
        }
        if (BASE64_KEYS.contains(e.getKey())) {
          try {
            Files.write(file, Base64.getDecoder().decode(e.getValue().trim()));
          } catch (IllegalArgumentException bad) {
            throw new StorageException(
                Kind.INVALID_CONFIG, "STORAGE_CONFIG key " + e.getKey() + " is not base64");
          }
        } else {
          Files.writeString(file, e.getValue(), StandardCharsets.UTF_8);
        }
      }
      return dir;
    } catch (IOException e) {
      throw new StorageException(
          Kind.INTERNAL, "Cannot write the HDFS secrets to " + dir + ": " + e, e);
    }
  }
}
