package io.storageinit.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.storageinit.api.HttpProxies;
import io.storageinit.api.ProviderContext;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

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
  private static final ObjectMapper JSON = new ObjectMapper();

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
              try {
                JsonNode node = JSON.readTree(value);
                if (node == null || !node.isObject()) {
                  problems.add(name + " must be a JSON object of header names to values");
                  return;
                }
                Map<String, String> h = new LinkedHashMap<>();
                node.fields()
                    .forEachRemaining(
                        e -> {
                          h.put(e.getKey(), e.getValue().asText());
                          context.registerSecret(e.getValue().asText());
                        });
                headers.put(host, Map.copyOf(h));
              } catch (Exception e) {
                // Never echo the value: it usually carries a token.
                problems.add(
                    name
                        + " is not valid JSON (expected e.g. {\"Authorization\": \"Bearer ...\"})");
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
    Duration connect = seconds(context, "STORAGE_HTTP_CONNECT_TIMEOUT_SECONDS", 15, problems);
    Duration read = seconds(context, "STORAGE_HTTP_READ_TIMEOUT_SECONDS", 60, problems);
    if (!problems.isEmpty()) {
      throw new StorageException(
          Kind.INVALID_CONFIG,
          "Invalid HTTP configuration:\n  - " + String.join("\n  - ", problems));
    }
    return new HttpSettings(
        Map.copyOf(headers), ca, insecure, connect, read, HttpProxies.from(context));
  }

  private static Duration seconds(ProviderContext c, String name, int dflt, List<String> problems) {
    Optional<String> v = c.env(name);
    if (v.isEmpty()) {
      return Duration.ofSeconds(dflt);
    }
    try {
      long s = Long.parseLong(v.get());
      if (s <= 0) {
        throw new NumberFormatException();
      }
      return Duration.ofSeconds(s);
    } catch (NumberFormatException e) {
      problems.add(name + "=" + v.get() + " is not a positive whole number of seconds");
      return Duration.ofSeconds(dflt);
    }
  }

  /** The extra headers for one host; empty for hosts without a {@code <host>-headers} variable. */
  Map<String, String> headersFor(String host) {
    return host == null
        ? Map.of()
        : headersByHost.getOrDefault(host.toLowerCase(Locale.ROOT), Map.of());
  }
}
