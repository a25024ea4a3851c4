package io.storageinit.modelscope;

import io.storageinit.api.ProviderContext;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import io.storageinit.api.StorageProvider;
import io.storageinit.kit.Env;
import io.storageinit.kit.HttpProxies;
import io.storageinit.kit.MinimumRate;
import io.storageinit.kit.TlsContexts;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Serves {@code modelscope://owner/model[:revision]} from the ModelScope hub, as KServe does with
 * the hub's Python library: every file of the repository at a branch, tag or commit, each checked
 * against the SHA-256 the hub lists, no library metadata in DEST.
 *
 * <p>Configuration (environment): {@code MODELSCOPE_API_TOKEN} (the hub's access token, sent as its
 * session cookie to the hub's own origin only), {@code MODELSCOPE_ENDPOINT} (a mirror's URL) or
 * {@code MODELSCOPE_DOMAIN} (the library's domain variable; https), default {@code
 * https://www.modelscope.cn}; {@code CA_BUNDLE_CONFIGMAP_NAME} as for KServe's other newer schemes.
 */
@StorageProvider.Descriptor(
    name = "modelscope",
    schemes = {"modelscope"})
public final class ModelScopeStorageProvider implements StorageProvider {
  static final String DEFAULT_ENDPOINT = "https://www.modelscope.cn";

  /** What the client needs to reach the hub. */
  record Settings(
      URI endpoint,
      Optional<String> token,
      Optional<Path> caBundle,
      Duration connectTimeout,
      Duration readTimeout,
      HttpProxies proxies) {}

  @Override
  public Set<String> secretKeys() {
    return Set.of("MODELSCOPE_API_TOKEN");
  }

  @Override
  public StorageClient open(ProviderContext context) {
    Settings settings = settings(context);
    return new ModelScopeStorageClient(
        settings,
        TlsContexts.create(settings.caBundle(), true).getSocketFactory(),
        MinimumRate.from(context));
  }

  static Settings settings(ProviderContext context) {
    List<String> problems = new ArrayList<>();
    // MODELSCOPE_DOMAIN is the hub library's variable: a domain, reached over https.
    URI endpoint =
        Env.httpEndpoint(
            "MODELSCOPE_ENDPOINT",
            context
                .env("MODELSCOPE_ENDPOINT")
                .filter(v -> !v.isBlank())
                .or(
                    () ->
                        context
                            .env("MODELSCOPE_DOMAIN")
                            .map(String::trim)
                            .filter(v -> !v.isEmpty())
                            .map(d -> "https://" + d)),
            DEFAULT_ENDPOINT,
            problems);
    Optional<String> token =
        context.env("MODELSCOPE_API_TOKEN").map(String::trim).filter(t -> !t.isEmpty());
    token.ifPresent(context::registerSecret);
    token
        .filter(t -> t.chars().anyMatch(c -> c < 0x21 || c > 0x7e || c == ';' || c == ','))
        .ifPresent(
            t ->
                problems.add(
                    "MODELSCOPE_API_TOKEN holds a character a cookie cannot carry; copy it again"));
    Duration read = Env.positiveSeconds(context, "STORAGE_HTTP_READ_TIMEOUT_SECONDS", 60, problems);
    Duration connect =
        Env.positiveSeconds(context, "STORAGE_HTTP_CONNECT_TIMEOUT_SECONDS", 15, problems);
    if (!problems.isEmpty()) {
      throw new StorageException(
          Kind.INVALID_CONFIG,
          "Invalid ModelScope configuration:\n  - " + String.join("\n  - ", problems));
    }
    return new Settings(
        endpoint,
        token,
        TlsContexts.kserveCaBundle(context),
        connect,
        read,
        HttpProxies.from(context));
  }
}
