package io.storageinit.azure;

import io.storageinit.api.ProviderContext;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageProvider;
import io.storageinit.api.UriFormat;
import io.storageinit.kit.MinimumRate;
import io.storageinit.kit.TlsContexts;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * Serves Azure Blob containers and File shares by their account URLs, as KServe routes them ({@code
 * https://<account>.blob.core.windows.net/<container>/<path>}, {@code
 * https://<account>.file.core.windows.net/<share>/<path>}, and the {@code
 * z<nn>.*.storage.azure.net} forms); other https:// URLs stay with the http provider.
 *
 * <p>Configuration (environment): {@code AZURE_CLIENT_ID} and the variables of Azure's identity
 * library (Azure AD: client secret or certificate, workload identity, managed identity; KServe's
 * {@code AZ_*} names too), {@code AZURE_STORAGE_ACCESS_KEY} (an account key, or a SAS), {@code
 * AZURE_MAX_FILE_CONCURRENCY} and {@code AZURE_MAX_CHUNK_CONCURRENCY} (KServe's; their product
 * bounds the streams), {@code AZURE_BLOB_ENDPOINT} and {@code AZURE_FILE_ENDPOINT} (where an
 * account's service is reached, {@code {account}} standing for its name: emulators, sovereign
 * clouds, private endpoints), {@code AZURE_CONNECT_TIMEOUT_SECONDS} (15), {@code
 * AZURE_READ_TIMEOUT_SECONDS} (60), {@code CA_BUNDLE_CONFIGMAP_NAME}.
 */
@StorageProvider.Descriptor(
    name = "azure",
    schemes = {"https"},
    narrow = true)
public final class AzureStorageProvider implements StorageProvider {

  @Override
  public boolean supports(String uri) {
    return AzureUri.matches(uri);
  }

  /** The URL patterns of KServe's default ClusterStorageContainer. */
  @Override
  public List<UriFormat> uriFormats() {
    return List.of(
        UriFormat.regex("https://(.+?).blob.core.windows.net/(.+)"),
        UriFormat.regex("https://(.+?).file.core.windows.net/(.+)"));
  }

  @Override
  public Set<String> secretKeys() {
    return Set.of(
        "AZURE_STORAGE_ACCESS_KEY",
        "AZURE_CLIENT_SECRET",
        "AZ_CLIENT_SECRET",
        "AZURE_CLIENT_CERTIFICATE_PASSWORD");
  }

  @Override
  public StorageClient open(ProviderContext context) {
    AzureSettings settings = AzureSettings.from(context);
    SSLContext tls = TlsContexts.create(settings.caBundle(), true);
    Supplier<String> bearer = settings.azureAd() ? AzureAdTokens.create(settings, tls) : null;
    return new AzureStorageClient(
        settings, bearer, tls.getSocketFactory(), MinimumRate.from(context));
  }
}
