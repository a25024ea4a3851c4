package io.storageinit.http;

import io.storageinit.api.ProviderContext;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageProvider;
import io.storageinit.api.UriFormat;
import io.storageinit.kit.TlsContexts;
import java.util.List;

/**
 * Serves {@code http://} and {@code https://} URIs as KServe does: the URL names one file, stored
 * under the URL path's base name. Extra request headers for a host come from the environment
 * variable {@code <hostname>-headers} (a JSON object), and are sent to that host only, on the
 * scheme and port of the URI.
 *
 * <p>Configuration (environment):
 *
 * <ul>
 *   <li>{@code CA_BUNDLE_CONFIGMAP_NAME} + {@code CA_BUNDLE_VOLUME_MOUNT_POINT} (default {@code
 *       /etc/ssl/custom-certs}): {@code <mount>/cabundle.crt} is trusted besides the system CAs;
 *       {@code STORAGE_HTTP_CA_BUNDLE} names a PEM file directly.
 *   <li>{@code STORAGE_HTTP_INSECURE=true}: skip TLS verification (for tests; never in production).
 *   <li>{@code STORAGE_HTTP_CONNECT_TIMEOUT_SECONDS} (15), {@code
 *       STORAGE_HTTP_READ_TIMEOUT_SECONDS} (60): how long to wait for a connection and for the
 *       first byte of a response.
 * </ul>
 */
@StorageProvider.Descriptor(
    name = "http",
    schemes = {"http", "https"})
public final class HttpStorageProvider implements StorageProvider {

  @Override
  public List<UriFormat> uriFormats() {
    // KServe's own expression for generic HTTP(S) downloads.
    return List.of(UriFormat.regex("https?://(.+)/(.+)"));
  }

  @Override
  public StorageClient open(ProviderContext context) {
    HttpSettings settings = HttpSettings.from(context);
    return new HttpStorageClient(
        settings,
        () -> TlsContexts.create(settings.caBundle(), !settings.insecure()).getSocketFactory());
  }
}
