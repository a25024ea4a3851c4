package io.storageinit.api;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;

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

  /**
   * Returns a TLS context for a provider's own client: the system's trusted CAs plus every
   * certificate of the PEM file {@code caBundle}, or, when {@code verify} is false, one that
   * accepts any certificate (pair it with a host name verifier that accepts any name).
   *
   * @param caBundle a PEM file of extra trusted certificates; empty for the system CAs only
   * @param verify false to switch verification off, only ever at the user's explicit request
   * @throws StorageException {@code INVALID_CONFIG} when the bundle cannot be read or holds no
   *     certificate
   */
  default SSLContext sslContext(Optional<Path> caBundle, boolean verify) {
    return TlsContexts.create(caBundle, verify, Optional.empty(), Optional.empty());
  }

  /**
   * Returns a TLS context as {@link #sslContext(Optional, boolean)} does that also presents a
   * client certificate when the server asks for one (mutual TLS).
   *
   * @param caBundle a PEM file of extra trusted certificates; empty for the system CAs only
   * @param verify false to switch verification off, only ever at the user's explicit request
   * @param certificate a PEM file with the client certificate first, then any intermediates; empty
   *     for no client certificate
   * @param privateKey the certificate's unencrypted PEM private key: PKCS#8 ({@code BEGIN PRIVATE
   *     KEY}, RSA or EC) or PKCS#1 ({@code BEGIN RSA PRIVATE KEY}); present exactly when {@code
   *     certificate} is
   * @throws StorageException {@code INVALID_CONFIG} when a file cannot be read or parsed, or only
   *     one of certificate and key is given
   * @since 0.2
   */
  default SSLContext sslContext(
      Optional<Path> caBundle,
      boolean verify,
      Optional<Path> certificate,
      Optional<Path> privateKey) {
    return TlsContexts.create(caBundle, verify, certificate, privateKey);
  }
}
