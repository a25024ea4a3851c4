package io.storageinit.hf;

import io.storageinit.api.ProviderContext;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageProvider;
import io.storageinit.kit.MinimumRate;
import io.storageinit.kit.TlsContexts;
import java.util.Set;

/**
 * Serves {@code hf://owner/model[:revision]} from the Hugging Face Hub, as KServe does with the
 * hub's Python library, and better: one commit for every file, timeouts and resumed ranges, the
 * token kept from the CDN, every file checked, no {@code .cache/huggingface/} in DEST.
 *
 * <p>Configuration (environment): {@code HF_TOKEN} (a bearer token; {@code HUGGING_FACE_HUB_TOKEN}
 * as older libraries), {@code HF_ENDPOINT} (a mirror or private hub; default {@code
 * https://huggingface.co}), {@code HF_HUB_DOWNLOAD_TIMEOUT} (read timeout, seconds), {@code
 * HF_HUB_ETAG_TIMEOUT} (connect timeout, seconds), {@code CA_BUNDLE_CONFIGMAP_NAME} and {@code
 * CA_BUNDLE_VOLUME_MOUNT_POINT} (a CA bundle besides the system's). The Python library's tuning
 * variables ({@code HF_HUB_ENABLE_HF_TRANSFER}, {@code HF_XET_*}) are accepted and have no effect.
 */
@StorageProvider.Descriptor(
    name = "hf",
    schemes = {"hf"})
public final class HfStorageProvider implements StorageProvider {

  @Override
  public Set<String> secretKeys() {
    return Set.of("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN");
  }

  @Override
  public StorageClient open(ProviderContext context) {
    HfSettings settings = HfSettings.from(context);
    return new HfStorageClient(
        settings,
        TlsContexts.create(settings.caBundle(), true).getSocketFactory(),
        MinimumRate.from(context));
  }
}
