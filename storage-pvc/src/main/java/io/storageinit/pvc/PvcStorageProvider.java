package io.storageinit.pvc;

import io.storageinit.api.ProviderContext;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageProvider;
import io.storageinit.api.UriFormat;
import java.nio.file.Path;
import java.util.List;

/**
 * Serves models that are already on a local file system: a mounted PersistentVolumeClaim ({@code
 * pvc://claim/path}, which KServe's webhook mounts at {@code /mnt/pvc}), {@code file://} URIs and
 * plain paths. Objects carry their local path, so the runtime links them into the destination as
 * KServe does, or copies them when asked.
 *
 * <p>Configuration: {@code STORAGE_PVC_ROOT} (default {@code /mnt/pvc}) is where {@code pvc://}
 * claims are mounted.
 */
@StorageProvider.Descriptor(
    name = "pvc",
    schemes = {"pvc", "file"})
public final class PvcStorageProvider implements StorageProvider {

  /** Where KServe's webhook mounts the claim of a {@code pvc://} URI. */
  static final String DEFAULT_PVC_ROOT = "/mnt/pvc";

  @Override
  public boolean supports(String uri) {
    return StorageProvider.super.supports(uri) || !uri.contains("://");
  }

  @Override
  public List<UriFormat> uriFormats() {
    return List.of(UriFormat.prefix("pvc://"), UriFormat.prefix("file://"));
  }

  @Override
  public StorageClient open(ProviderContext context) {
    Path pvcRoot = Path.of(context.env("STORAGE_PVC_ROOT").orElse(DEFAULT_PVC_ROOT));
    return new LocalStorageClient(pvcRoot);
  }
}
