package io.storageinit.azure;

import io.storageinit.api.ProviderContext;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import io.storageinit.kit.Env;
import io.storageinit.kit.HttpProxies;
import io.storageinit.kit.TlsContexts;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The Azure provider's configuration, from the variables KServe's initializer reads (and its
 * webhook sets), plus endpoint overrides of ours.
 *
 * @param env the Azure variables, with the legacy {@code AZ_*} names copied to {@code AZURE_*}
 * @param accountKey {@code AZURE_STORAGE_ACCESS_KEY} when it is an account key
 * @param sas {@code AZURE_STORAGE_ACCESS_KEY} when it is a SAS (query parameters with {@code sig})
 * @param blobEndpoint {@code AZURE_BLOB_ENDPOINT}: where the Blob service of an account is reached,
 *     {@code {account}} standing for the account's name; empty: the URL's own host
 * @param fileEndpoint the same for File shares ({@code AZURE_FILE_ENDPOINT})
 * @param pageSize entries per listing page ({@code AZURE_LIST_PAGE_SIZE}, at most 5000, the
 *     default)
 */
record AzureSettings(
    Map<String, String> env,
    Optional<String> accountKey,
    Optional<String> sas,
    Optional<String> blobEndpoint,
    Optional<String> fileEndpoint,
    OptionalInt concurrency,
    int pageSize,
    Optional<Path> caBundle,
    Duration connectTimeout,
    Duration readTimeout,
    HttpProxies proxies) {

  /** KServe's legacy names, copied to the names Azure's libraries read when set. */
  static final Map<String, String> LEGACY =
      Map.of(
          "AZ_TENANT_ID", "AZURE_TENANT_ID",
          "AZ_CLIENT_ID", "AZURE_CLIENT_ID",
          "AZ_CLIENT_SECRET", "AZURE_CLIENT_SECRET",
          "AZ_SUBSCRIPTION_ID", "AZURE_SUBSCRIPTION_ID");

  /** The variables Azure's identity library reads, for the Azure AD path. */
  static final List<String> IDENTITY =
      List.of(
          "AZURE_CLIENT_ID",
          "AZURE_TENANT_ID",
          "AZURE_CLIENT_SECRET",
          "AZURE_CLIENT_CERTIFICATE_PATH",
          "AZURE_CLIENT_CERTIFICATE_PASSWORD",
          "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN",
          "AZURE_FEDERATED_TOKEN_FILE",
          "AZURE_AUTHORITY_HOST",
          "AZURE_POD_IDENTITY_AUTHORITY_HOST",
          "IDENTITY_ENDPOINT",
          "IDENTITY_HEADER",
          "MSI_ENDPOINT",
          "MSI_SECRET");

  static AzureSettings from(ProviderContext context) {
    List<String> problems = new ArrayList<>();
    Map<String, String> env = new HashMap<>();
    for (String name : IDENTITY) {
      context.env(name).filter(v -> !v.isBlank()).ifPresent(v -> env.put(name, v.trim()));
    }
    LEGACY.forEach(
        (legacy, name) ->
            context.env(legacy).filter(v -> !v.isBlank()).ifPresent(v -> env.put(name, v.trim())));
    env.forEach(
        (name, value) -> {
          if (name.contains("SECRET") || name.contains("PASSWORD")) {
            context.registerSecret(value);
          }
        });
    Optional<String> key =
        context.env("AZURE_STORAGE_ACCESS_KEY").map(String::trim).filter(k -> !k.isEmpty());
    key.ifPresent(context::registerSecret);
    Optional<String> sas =
        key.filter(AzureSettings::looksLikeSas).map(k -> k.startsWith("?") ? k.substring(1) : k);
    Optional<String> accountKey = key.filter(k -> !looksLikeSas(k));
    accountKey.ifPresent(
        k -> {
          try {
            Base64.getDecoder().decode(k);
          } catch (IllegalArgumentException e) {
            problems.add(
                "AZURE_STORAGE_ACCESS_KEY is neither an account key (base64) nor a SAS (query"
                    + " parameters with sig=): copy it again from the storage account's access keys");
          }
        });
    Optional<String> blob = endpoint(context, "AZURE_BLOB_ENDPOINT", problems);
    Optional<String> file = endpoint(context, "AZURE_FILE_ENDPOINT", problems);
    OptionalInt files = bound(context, "AZURE_MAX_FILE_CONCURRENCY", problems);
    OptionalInt chunks = bound(context, "AZURE_MAX_CHUNK_CONCURRENCY", problems);
    // KServe opens up to files x chunks streams at once: the same bound, when either is set.
    OptionalInt concurrency =
        files.isPresent() || chunks.isPresent()
            ? OptionalInt.of(files.orElse(4) * chunks.orElse(4))
            : OptionalInt.empty();
    long pageSize = Env.positive(context, "AZURE_LIST_PAGE_SIZE", 5000, problems);
    if (pageSize > 5000) {
      problems.add(
          "AZURE_LIST_PAGE_SIZE=" + pageSize + " is above 5000, the most Azure lists at once");
    }
    Duration connect = Env.positiveSeconds(context, "AZURE_CONNECT_TIMEOUT_SECONDS", 15, problems);
    Duration read = Env.positiveSeconds(context, "AZURE_READ_TIMEOUT_SECONDS", 60, problems);
    if (!problems.isEmpty()) {
      throw new StorageException(
          Kind.INVALID_CONFIG,
          "Invalid Azure configuration:\n  - " + String.join("\n  - ", problems));
    }
    return new AzureSettings(
        Map.copyOf(env),
        accountKey,
        sas,
        blob,
        file,
        concurrency,
        (int) pageSize,
        TlsContexts.kserveCaBundle(context),
        connect,
        read,
        HttpProxies.from(context));
  }

  /** Whether Azure AD is the way in: KServe's test, a non-empty {@code AZURE_CLIENT_ID}. */
  boolean azureAd() {
    return env.containsKey("AZURE_CLIENT_ID");
  }

  /** The base URL of {@code uri}'s service: the override with the account put in, or its host. */
  URI serviceUrl(AzureUri uri) {
    Optional<String> override =
        uri.service() == AzureUri.Service.BLOB ? blobEndpoint : fileEndpoint;
    String base =
        override.map(o -> o.replace("{account}", uri.account())).orElse("https://" + uri.host());
    return URI.create(base);
  }

  static boolean looksLikeSas(String value) {
    String v = value.startsWith("?") ? value.substring(1) : value;
    for (String pair : v.split("&")) {
      if (pair.startsWith("sig=")) {
        return true;
      }
    }
    return false;
  }

  private static Optional<String> endpoint(
      ProviderContext context, String name, List<String> problems) {
    Optional<String> value = context.env(name).map(String::trim).filter(v -> !v.isEmpty());
    if (value.isEmpty()) {
      return value;
    }
    String v = value.get();
    while (v.endsWith("/")) {
      v = v.substring(0, v.length() - 1);
    }
    URI check =
        Env.httpEndpoint(
            name,
            Optional.of(v.replace("{account}", "account")),
            "https://{account}.blob.core.windows.net",
            problems);
    return check == null ? Optional.empty() : Optional.of(v);
  }

  private static OptionalInt bound(ProviderContext context, String name, List<String> problems) {
    return context.env(name).isPresent()
        ? OptionalInt.of((int) Env.positive(context, name, 4, problems))
        : OptionalInt.empty();
  }
}
