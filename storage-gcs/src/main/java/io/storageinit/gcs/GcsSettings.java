package io.storageinit.gcs;

import io.storageinit.api.ProviderContext;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import io.storageinit.kit.Env;
import io.storageinit.kit.HttpProxies;
import io.storageinit.kit.TlsContexts;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The GCS provider's configuration, from the variables Google's own libraries read.
 *
 * @param endpoint the JSON API's base: {@code https://storage.googleapis.com}, the emulator, or
 *     {@code GCS_ENDPOINT} (a private endpoint reached with the usual credentials)
 * @param emulator whether {@code STORAGE_EMULATOR_HOST} chose the endpoint: then requests go
 *     without credentials unless a key file is named, as Google's libraries do with an emulator
 * @param keyFile {@code GOOGLE_APPLICATION_CREDENTIALS}, when set
 */
record GcsSettings(
    URI endpoint,
    boolean emulator,
    Optional<Path> keyFile,
    Optional<Path> caBundle,
    Duration connectTimeout,
    Duration readTimeout,
    HttpProxies proxies) {

  static final String DEFAULT_ENDPOINT = "https://storage.googleapis.com";

  static GcsSettings from(ProviderContext context) {
    List<String> problems = new ArrayList<>();
    Optional<String> emulatorHost =
        context.env("STORAGE_EMULATOR_HOST").map(String::trim).filter(h -> !h.isEmpty());
    Optional<String> override = context.env("GCS_ENDPOINT").filter(e -> !e.isBlank());
    if (emulatorHost.isPresent() && override.isPresent()) {
      problems.add(
          "STORAGE_EMULATOR_HOST and GCS_ENDPOINT are both set: keep one (the emulator's, or the"
              + " endpoint reached with credentials)");
    }
    // Google's libraries take "host:port" as well as a URL.
    URI endpoint =
        emulatorHost.isPresent()
            ? Env.httpEndpoint(
                "STORAGE_EMULATOR_HOST",
                emulatorHost.map(h -> h.contains("://") ? h : "http://" + h),
                DEFAULT_ENDPOINT,
                problems)
            : Env.httpEndpoint("GCS_ENDPOINT", override, DEFAULT_ENDPOINT, problems);
    Optional<Path> keyFile =
        context
            .env("GOOGLE_APPLICATION_CREDENTIALS")
            .map(String::trim)
            .filter(f -> !f.isEmpty())
            .map(Path::of);
    keyFile
        .filter(f -> !Files.isReadable(f))
        .ifPresent(
            f ->
                problems.add(
                    "GOOGLE_APPLICATION_CREDENTIALS names "
                        + f
                        + ", which cannot be read: mount the service account's key there, or"
                        + " unset the variable to use the metadata server"));
    Duration connect = Env.positiveSeconds(context, "GCS_CONNECT_TIMEOUT_SECONDS", 15, problems);
    Duration read = Env.positiveSeconds(context, "GCS_READ_TIMEOUT_SECONDS", 60, problems);
    if (!problems.isEmpty()) {
      throw new StorageException(
          Kind.INVALID_CONFIG,
          "Invalid Google Cloud Storage configuration:\n  - " + String.join("\n  - ", problems));
    }
    return new GcsSettings(
        endpoint,
        emulatorHost.isPresent(),
        keyFile,
        TlsContexts.kserveCaBundle(context),
        connect,
        read,
        HttpProxies.from(context));
  }
}
