package io.storageinit.pvc;

import io.storageinit.api.StorageProvider;
import io.storageinit.tck.BackendFixture;
import io.storageinit.tck.StorageProviderContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Nested;

/** Runs the TCK against the PVC provider with each URI form it serves. */
class PvcProviderContractTest {

  @Nested
  class PlainPaths extends StorageProviderContract {
    @Override
    protected StorageProvider provider() {
      return new PvcStorageProvider();
    }

    @Override
    protected BackendFixture newFixture() throws Exception {
      Path root = Files.createTempDirectory("pvc-tck");
      return BackendFixture.ofFolder(root, p -> root.resolve(p).toString(), Map.of(), null);
    }
  }

  @Nested
  class FileUris extends StorageProviderContract {
    @Override
    protected StorageProvider provider() {
      return new PvcStorageProvider();
    }

    @Override
    protected BackendFixture newFixture() throws Exception {
      Path root = Files.createTempDirectory("file-tck");
      return BackendFixture.ofFolder(root, p -> "file://" + root.resolve(p), Map.of(), null);
    }
  }

  @Nested
  class PvcUris extends StorageProviderContract {
    @Override
    protected StorageProvider provider() {
      return new PvcStorageProvider();
    }

    @Override
    protected BackendFixture newFixture() throws Exception {
      Path mount = Files.createTempDirectory("pvc-mount");
      return BackendFixture.ofFolder(
          mount.resolve("models"),
          p -> "pvc://my-claim/models/" + p,
          Map.of("STORAGE_PVC_ROOT", mount.toString()),
          null);
    }
  }
}
