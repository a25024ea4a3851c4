package io.storageinit.s3;

import io.storageinit.api.ProviderContext;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import io.storageinit.kit.Env;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * KServe's S3 configuration: the variables its webhook sets from the service account's secret and
 * annotations, overridden by {@code STORAGE_CONFIG} / {@code STORAGE_OVERRIDE_CONFIG} of type s3.
 * Every problem is reported at once.
 */
record S3Settings(
    Optional<URI> endpoint,
    Optional<String> region,
    Optional<String> accessKeyId,
    Optional<String> secretAccessKey,
    Optional<String> sessionToken,
    boolean anonymous,
    boolean verifySsl,
    Optional<Path> caBundle,
    boolean virtualHosted,
    boolean accelerate,
    boolean useFips,
    boolean useDualStack,
    Duration connectTimeout,
    Duration readTimeout,
    int maxAttempts,
    boolean etagIsMd5,
    OptionalInt maxFileConcurrency) {

  static final String DEFAULT_CA_MOUNT = "/etc/ssl/custom-certs";

  static S3Settings from(ProviderContext context) {
    List<String> problems = new ArrayList<>();
    Map<String, String> config = context.storageConfig();
    boolean s3Config = "s3".equalsIgnoreCase(config.getOrDefault("type", ""));
    Source src = new Source(context, s3Config ? config : Map.of());

    // Plain code rather than Optional chains: each lambda is a class the JVM spins on first use,
    // and these run once, on the path to the first request.
    String endpointUrl = src.get("endpoint_url", "AWS_ENDPOINT_URL").orElse(null);
    if (endpointUrl == null) {
      String hostPort = context.env("S3_ENDPOINT").orElse(null);
      boolean https = !isFalse(context.env("S3_USE_HTTPS").orElse("1"));
      if (hostPort != null) {
        endpointUrl =
            hostPort.contains("://") ? hostPort : (https ? "https://" : "http://") + hostPort;
      }
    }
    URI endpoint = endpointUrl == null ? null : uri(endpointUrl);
    if (endpoint != null
        && (endpoint.getHost() == null
            || !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https")))) {
      problems.add("the S3 endpoint '" + endpoint + "' is not an http(s)://host[:port] URL");
    }

    Optional<String> region = src.get("region", "AWS_DEFAULT_REGION");
    if (region.isEmpty()) {
      region = context.env("AWS_REGION");
    }
    Optional<String> keyId = src.get("access_key_id", "AWS_ACCESS_KEY_ID");
    Optional<String> secret = src.get("secret_access_key", "AWS_SECRET_ACCESS_KEY");
    if (keyId.isPresent() != secret.isPresent()) {
      problems.add(
          "set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (to use the default credential chain)");
    }
    boolean anonymous = flag(src.get("anonymous", "awsAnonymousCredential"));
    boolean verifySsl = !isFalse(src.get("verify_ssl", "S3_VERIFY_SSL").orElse("true"));

    String caFile = src.get("ca_bundle", "AWS_CA_BUNDLE").orElse(null);
    Path ca = caFile == null ? null : Path.of(caFile);
    if (ca == null && context.env("CA_BUNDLE_CONFIGMAP_NAME").isPresent()) {
      ca =
          Path.of(
              context.env("CA_BUNDLE_VOLUME_MOUNT_POINT").orElse(DEFAULT_CA_MOUNT), "cabundle.crt");
    }
    if (ca != null && !Files.isReadable(ca)) {
      problems.add(
          "the CA bundle "
              + ca
              + " does not exist or cannot be read; check the ConfigMap or secret is mounted");
    }

    Duration connect =
        Duration.ofSeconds(Env.positive(context, "S3_CONNECT_TIMEOUT", 15, problems));
    Duration read = Duration.ofSeconds(Env.positive(context, "S3_READ_TIMEOUT", 30, problems));
    int attempts = (int) Env.positive(context, "S3_MAX_ATTEMPTS", 3, problems);
    // KServe's bound on parallel downloads: honoured when set, as a bound on every stream.
    OptionalInt fileConcurrency =
        context.env("S3_MAX_FILE_CONCURRENCY").isPresent()
            ? OptionalInt.of((int) Env.positive(context, "S3_MAX_FILE_CONCURRENCY", 1, problems))
            : OptionalInt.empty();
    if (!problems.isEmpty()) {
      throw new StorageException(
          Kind.INVALID_CONFIG, "Invalid S3 configuration:\n  - " + String.join("\n  - ", problems));
    }
    return new S3Settings(
        Optional.ofNullable(endpoint),
        region,
        keyId,
        secret,
        context.env("AWS_SESSION_TOKEN"),
        anonymous,
        verifySsl,
        Optional.ofNullable(ca),
        flag(context.env("S3_USER_VIRTUAL_BUCKET")),
        flag(context.env("S3_USE_ACCELERATE")),
        flag(context.env("AWS_USE_FIPS_ENDPOINT")),
        flag(context.env("AWS_USE_DUALSTACK_ENDPOINT")),
        connect,
        read,
        attempts,
        flag(context.env("S3_VERIFY_ETAG")),
        fileConcurrency);
  }

  /** STORAGE_CONFIG's key wins over the environment variable. */
  private record Source(ProviderContext context, Map<String, String> config) {
    Optional<String> get(String configKey, String env) {
      String v = config.get(configKey);
      return v != null && !v.isBlank() ? Optional.of(v.trim()) : context.env(env);
    }
  }

  private static URI uri(String s) {
    try {
      return URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    } catch (IllegalArgumentException e) {
      return URI.create("invalid:" + s.replaceAll("[^A-Za-z0-9.:-]", "_"));
    }
  }

  /** A yes/no setting that is off unless set to a true value. */
  private static boolean flag(Optional<String> v) {
    return v.isPresent() && isTrue(v.get());
  }

  static boolean isTrue(String v) {
    String s = v.trim().toLowerCase(Locale.ROOT);
    return s.equals("true") || s.equals("1") || s.equals("yes");
  }

  static boolean isFalse(String v) {
    String s = v.trim().toLowerCase(Locale.ROOT);
    return s.equals("false") || s.equals("0") || s.equals("no");
  }
}
