package io.storageinit.tck;

import io.storageinit.api.ProviderContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link ProviderContext} for tests: a fixed environment and storage configuration, a temporary
 * private directory, and a record of the secrets registered. Thread-safe.
 *
 * @since 0.1
 */
public final class TestProviderContext implements ProviderContext {
  private final Map<String, String> environment;
  private final Map<String, String> storageConfig;
  private final List<String> secrets = new CopyOnWriteArrayList<>();
  private Path privateDirectory;

  /** Creates a context with the given environment and an empty storage configuration. */
  public TestProviderContext(Map<String, String> environment) {
    this(environment, Map.of());
  }

  /** Creates a context with the given environment and storage configuration. */
  public TestProviderContext(Map<String, String> environment, Map<String, String> storageConfig) {
    this.environment = Map.copyOf(environment);
    this.storageConfig = Map.copyOf(storageConfig);
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
        privateDirectory = Files.createTempDirectory("tck-private");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return privateDirectory;
  }

  @Override
  public void registerSecret(String value) {
    secrets.add(value);
  }

  /** Returns the secrets registered so far. */
  public List<String> registeredSecrets() {
    return List.copyOf(secrets);
  }
}
