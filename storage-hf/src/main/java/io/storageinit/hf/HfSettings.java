package io.storageinit.hf;

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
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The Hugging Face provider's configuration, from the variables the hub's own library reads. */
record HfSettings(
    URI endpoint,
    Optional<String> token,
    boolean offline,
    Optional<Path> caBundle,
    Duration connectTimeout,
    Duration readTimeout,
    HttpProxies proxies) {

  static final String DEFAULT_ENDPOINT = "https://huggingface.co";

  static HfSettings from(ProviderContext context) {
    List<String> problems = new ArrayList<>();
    URI endpoint =
        Env.httpEndpoint("HF_ENDPOINT", context.env("HF_ENDPOINT"), DEFAULT_ENDPOINT, problems);
    // HUGGING_FACE_HUB_TOKEN is the name older versions of the library read.
    Optional<String> token =
        context
            .env("HF_TOKEN")
            .or(() -> context.env("HUGGING_FACE_HUB_TOKEN"))
            .map(String::trim)
            .filter(t -> !t.isEmpty());
    token.ifPresent(context::registerSecret);
    token
        .filter(t -> t.chars().anyMatch(c -> c < 0x21 || c > 0x7e))
        .ifPresent(
            t -> problems.add("HF_TOKEN holds a space or a control character; copy it again"));
    boolean offline =
        context
            .env("HF_HUB_OFFLINE")
            .map(v -> v.trim().toLowerCase(Locale.ROOT))
            .map(v -> v.equals("1") || v.equals("true") || v.equals("yes") || v.equals("on"))
            .orElse(false);
    Optional<Path> ca = TlsContexts.kserveCaBundle(context);
    Duration read = Env.positiveSeconds(context, "HF_HUB_DOWNLOAD_TIMEOUT", 60, problems);
    Duration connect = Env.positiveSeconds(context, "HF_HUB_ETAG_TIMEOUT", 15, problems);
    if (!problems.isEmpty()) {
      throw new StorageException(
          Kind.INVALID_CONFIG,
          "Invalid Hugging Face configuration:\n  - " + String.join("\n  - ", problems));
    }
    return new HfSettings(endpoint, token, offline, ca, connect, read, HttpProxies.from(context));
  }
}
