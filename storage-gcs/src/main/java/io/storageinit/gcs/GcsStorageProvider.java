package io.storageinit.gcs;

import io.storageinit.api.ProviderContext;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageProvider;
import io.storageinit.kit.MinimumRate;
import io.storageinit.kit.TlsContexts;
import javax.net.ssl.SSLSocketFactory;

/**
 * Serves {@code gs://bucket[/path]} from Google Cloud Storage, as KServe does with Google's Python
 * client, and better: the bucket's root works, transfers start with the listing's first page, and a
 * file replaced mid-download is refused rather than mixed.
 *
 * <p>Configuration (environment): {@code GOOGLE_APPLICATION_CREDENTIALS} (a credentials file;
 * without it, gcloud's well-known file or the metadata server, else anonymous), {@code
 * STORAGE_EMULATOR_HOST} (an emulator, {@code host:port} or a URL; requests then carry credentials
 * only when a key file is named), {@code GCS_ENDPOINT} (another endpoint of the JSON API, a private
 * service connect address or a proxy, reached with the usual credentials), {@code
 * GCE_METADATA_HOST} and {@code NO_GCE_CHECK} (as Google's libraries read them), {@code
 * GCS_CONNECT_TIMEOUT_SECONDS} (15), {@code GCS_READ_TIMEOUT_SECONDS} (60), {@code
 * CA_BUNDLE_CONFIGMAP_NAME} and {@code CA_BUNDLE_VOLUME_MOUNT_POINT} (a CA bundle besides the
 * system's).
 */
@StorageProvider.Descriptor(
    name = "gcs",
    schemes = {"gs"})
public final class GcsStorageProvider implements StorageProvider {

  @Override
  public StorageClient open(ProviderContext context) {
    GcsSettings settings = GcsSettings.from(context);
    SSLSocketFactory tls = TlsContexts.create(settings.caBundle(), true).getSocketFactory();
    return new GcsStorageClient(
        settings, GcsCredentials.find(settings, tls), tls, MinimumRate.from(context));
  }
}
