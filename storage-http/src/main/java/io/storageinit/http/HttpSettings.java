package io.storageinit.http;

import io.storageinit.api.ProviderContext;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import io.storageinit.kit.Env;
import io.storageinit.kit.Headers;
import io.storageinit.kit.HttpProxies;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The HTTP provider's configuration, read from the environment with every problem reported. */
record HttpSettings(
    Map<String, Map<String, String>> headersByHost,
    Optional<Path> caBundle,
    boolean insecure,
    Duration connectTimeout,
    Duration readTimeout,
    HttpProxies proxies) {

  static final String HEADERS_SUFFIX = "-headers";
  static final String DEFAULT_CA_MOUNT = "/etc/ssl/custom-certs";
  static final String CA_FILE = "cabundle.crt";

  /**
   * Fields the client sets itself: one from a user would be sent twice or break the framing (the
   * JDK's clients refuse the same ones).
   */
  private static final Set<String> RESTRICTED =
      Set.of(
          "connection",
          "content-length",
          "expect",
          "host",
          "upgrade",
          "transfer-encoding",
          "te",
          "range",
          "if-range",
          "proxy-authorization");

  static HttpSettings from(ProviderContext context) {
    List<String> problems = new ArrayList<>();
    Map<String, Map<String, String>> headers = new LinkedHashMap<>();
    context
        .environment()
        .forEach(
            (name, value) -> {
              if (!name.endsWith(HEADERS_SUFFIX) || name.length() == HEADERS_SUFFIX.length()) {
                return;
              }
              String host =
                  name.substring(0, name.length() - HEADERS_SUFFIX.length())
                      .toLowerCase(Locale.ROOT);
              Map<String, String> h = headerObject(name, value, problems);
              if (h != null) {
                h.values().forEach(context::registerSecret);
                headers.put(host, Map.copyOf(h));
              }
            });

    Optional<Path> ca = context.env("STORAGE_HTTP_CA_BUNDLE").map(Path::of);
    if (ca.isEmpty() && context.env("CA_BUNDLE_CONFIGMAP_NAME").isPresent()) {
      ca =
          Optional.of(
              Path.of(
                  context.env("CA_BUNDLE_VOLUME_MOUNT_POINT").orElse(DEFAULT_CA_MOUNT), CA_FILE));
    }
    ca.filter(p -> !Files.isReadable(p))
        .ifPresent(
            p ->
                problems.add(
                    "the CA bundle "
                        + p
                        + " does not exist or cannot be read; check the ConfigMap is mounted"));

    boolean insecure =
        context
            .env("STORAGE_HTTP_INSECURE")
            .map(v -> v.equalsIgnoreCase("true") || v.equals("1"))
            .orElse(false);
    Duration connect =
        Env.positiveSeconds(context, "STORAGE_HTTP_CONNECT_TIMEOUT_SECONDS", 15, problems);
    Duration read = Env.positiveSeconds(context, "STORAGE_HTTP_READ_TIMEOUT_SECONDS", 60, problems);
    if (!problems.isEmpty()) {
      throw new StorageException(
          Kind.INVALID_CONFIG,
          "Invalid HTTP configuration:\n  - " + String.join("\n  - ", problems));
    }
    return new HttpSettings(
        Map.copyOf(headers), ca, insecure, connect, read, HttpProxies.from(context));
  }

  /** The fields of one {@code <host>-headers} variable that are ours to send; null if invalid. */
  private static Map<String, String> headerObject(
      String name, String value, List<String> problems) {
    Map<String, String> h = Headers.fromJson(value, name, problems);
    if (h != null) {
      h.keySet().removeIf(field -> RESTRICTED.contains(field.toLowerCase(Locale.ROOT)));
    }
    return h;
  }

  /** The extra headers for one host; empty for hosts without a {@code <host>-headers} variable. */
  Map<String, String> headersFor(String host) {
    return host == null
        ? Map.of()
        : headersByHost.getOrDefault(host.toLowerCase(Locale.ROOT), Map.of());
  }
}
