package io.storageinit.runtime;

import io.storageinit.api.ProviderContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/** The runtime's {@link ProviderContext}: the environment, STORAGE_CONFIG, a private folder. */
final class RuntimeProviderContext implements ProviderContext, AutoCloseable {
  private final Map<String, String> environment;
  private final Map<String, String> storageConfig;
  private final Secrets secrets;
  private Path privateDirectory;

  RuntimeProviderContext(
      Map<String, String> environment, Map<String, String> storageConfig, Secrets secrets) {
    this.environment = Map.copyOf(environment);
    this.storageConfig = storageConfig;
    this.secrets = secrets;
  }

  @Override
  public Map<String, String> environment() {
    return environment;
  }

  @Override
  public Map<String, String> storageConfig() {
    return storageConfig;
  }

  @Override
  public synchronized Path privateDirectory() {
    if (privateDirectory == null) {
      try {
        privateDirectory =
            Files.createTempDirectory(
                "storage-initializer-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot create a private temporary folder", e);
      }
    }
    return privateDirectory;
  }

  @Override
  public void registerSecret(String value) {
    secrets.add(value);
  }

  @Override
  public synchronized void close() {
    if (privateDirectory != null) {
      Archives.deleteTree(privateDirectory);
    }
  }
}
