package io.storageinit.kit;

import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Builds TLS contexts for plugins' clients: the system CAs plus the certificates of a PEM bundle
 * (added to the system roots, never replacing them), a client certificate for mutual TLS, or, only
 * at the user's explicit request, no verification at all (pair that with {@link
 * Http1.Builder#verifyHost}{@code (false)}).
 *
 * @since 0.4
 */
public final class TlsContexts {
  private TlsContexts() {}

  /**
   * The CA bundle of KServe's newer schemes: with {@code CA_BUNDLE_CONFIGMAP_NAME} set, {@code
   * <CA_BUNDLE_VOLUME_MOUNT_POINT, default /etc/ssl/custom-certs>/cabundle.crt}, trusted besides
   * the system roots. A bundle that cannot be read is a warning (logged), never an error.
   *
   * @since 0.4
   */
  public static Optional<Path> kserveCaBundle(io.storageinit.api.ProviderContext context) {
    if (context.env("CA_BUNDLE_CONFIGMAP_NAME").isEmpty()) {
      return Optional.empty();
    }
    Path p =
        Path.of(
            context.env("CA_BUNDLE_VOLUME_MOUNT_POINT").orElse("/etc/ssl/custom-certs"),
            "cabundle.crt");
    if (java.nio.file.Files.isReadable(p)) {
      return Optional.of(p);
    }
    System.getLogger(TlsContexts.class.getName())
        .log(
            System.Logger.Level.WARNING,
            "the CA bundle {0} cannot be read; using the system CAs only",
            p);
    return Optional.empty();
  }

  /** The system CAs plus {@code caBundle}'s, or no verification when {@code verify} is false. */
  public static SSLContext create(Optional<Path> caBundle, boolean verify) {
    return create(caBundle, verify, Optional.empty(), Optional.empty());
  }

  /**
   * As {@link #create(Optional, boolean)}, also presenting a client certificate when the server
   * asks for one.
   *
   * @param caBundle a PEM file of extra trusted certificates; empty for the system CAs only
   * @param verify false to switch verification off, only ever at the user's explicit request
   * @param certificate a PEM file with the client certificate first, then any intermediates; empty
   *     for none
   * @param key the certificate's unencrypted PEM private key ({@link PemKeys}); present exactly
   *     when {@code certificate} is
   * @throws io.storageinit.api.StorageException {@code INVALID_CONFIG} when a file cannot be read
   *     or parsed, or only one of certificate and key is given
   */
  public static SSLContext create(
      Optional<Path> caBundle, boolean verify, Optional<Path> certificate, Optional<Path> key) {
    if (certificate.isPresent() != key.isPresent()) {
      throw new StorageException(
          Kind.INVALID_CONFIG,
          "A client certificate needs both the certificate and its private key; only the "
              + (certificate.isPresent()
                  ? "certificate (" + certificate.get()
                  : "key (" + key.get())
              + ") is given");
    }
    try {
      if (verify && caBundle.isEmpty() && certificate.isEmpty()) {
        return SSLContext.getDefault();
      }
      TrustManager[] trust =
          !verify
              ? new TrustManager[] {new TrustAll()}
              : caBundle.isPresent() ? trustManagers(caBundle.get()) : null;
      KeyManager[] keys =
          certificate.isPresent() ? keyManagers(certificate.get(), key.get()) : null;
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(keys, trust, new SecureRandom());
      return ssl;
    } catch (StorageException e) {
      throw e;
    } catch (Exception e) {
      throw new StorageException(
          Kind.INVALID_CONFIG,
          "Cannot set up TLS with "
              + caBundle.map(p -> "the CA bundle " + p).orElse("the system CAs")
              + certificate
                  .map(p -> " and the client certificate " + p + " (key " + key.get() + ")")
                  .orElse("")
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** The system's trusted CAs and every certificate of the PEM bundle. */
  private static TrustManager[] trustManagers(Path bundle) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    TrustManagerFactory system =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    system.init((KeyStore) null);
    int i = 0;
    for (TrustManager tm : system.getTrustManagers()) {
      if (tm instanceof X509TrustManager x) {
        for (X509Certificate c : x.getAcceptedIssuers()) {
          store.setCertificateEntry("system-" + i++, c);
        }
      }
    }
    Collection<? extends Certificate> custom;
    try (InputStream in = Files.newInputStream(bundle)) {
      custom = CertificateFactory.getInstance("X.509").generateCertificates(in);
    }
    if (custom.isEmpty()) {
      throw new StorageException(
          Kind.INVALID_CONFIG, "The CA bundle " + bundle + " holds no PEM certificate");
    }
    for (Certificate c : custom) {
      store.setCertificateEntry("custom-" + i++, c);
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    return tmf.getTrustManagers();
  }

  /** A key manager presenting the PEM certificate chain with its PEM private key. */
  private static KeyManager[] keyManagers(Path certificate, Path key) throws Exception {
    Collection<? extends Certificate> chain;
    try (InputStream in = Files.newInputStream(certificate)) {
      chain = CertificateFactory.getInstance("X.509").generateCertificates(in);
    }
    if (chain.isEmpty()) {
      throw new StorageException(
          Kind.INVALID_CONFIG,
          "The client certificate file " + certificate + " holds no PEM certificate");
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    char[] password = new char[0];
    store.setKeyEntry("client", PemKeys.read(key), password, chain.toArray(new Certificate[0]));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, password);
    return kmf.getKeyManagers();
  }

  /** Accepts any certificate: only when the user switched verification off. */
  private static final class TrustAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
