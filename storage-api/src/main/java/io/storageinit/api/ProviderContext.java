package io.storageinit.api;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What the runtime hands a provider when it opens a client: the configuration it may read and a
 * place for private files. Implementations are thread-safe.
 *
 * <p>Providers read configuration only through this interface, never from {@link System#getenv()},
 * so tests and embedders can run several configurations in one process.
 *
 * @since 0.1
 */
public interface ProviderContext {

  /** Returns the environment the initializer runs with; never null, unmodifiable. */
  Map<String, String> environment();

  /** Returns one environment variable, empty when unset or blank. */
  default Optional<String> env(String name) {
    String value = environment().get(name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  /**
   * Returns the storage configuration from KServe's {@code STORAGE_CONFIG}, with {@code
   * STORAGE_OVERRIDE_CONFIG}'s keys winning, as strings; empty when neither is set. Nested values
   * arrive as their JSON text.
   */
  Map<String, String> storageConfig();

  /**
   * Returns a private directory (mode 700) for files the provider must materialise, such as decoded
   * keytabs or certificates. The runtime deletes it when the run ends.
   */
  Path privateDirectory();

  /**
   * Asks the runtime to mask {@code value} in every log line and error message from now on. Use it
   * for secrets a provider learns at run time (a token read from a file); values of {@link
   * StorageProvider#secretKeys()} are masked without asking.
   */
  void registerSecret(String value);
}
