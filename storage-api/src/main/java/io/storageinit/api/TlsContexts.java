package io.storageinit.api;

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
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** Builds TLS contexts: the system CAs plus a PEM bundle, or (opt-in) no verification at all. */
final class TlsContexts {
  private TlsContexts() {}

  static SSLContext create(Optional<Path> caBundle, boolean verify) {
    try {
      SSLContext ssl = SSLContext.getInstance("TLS");
      if (!verify) {
        ssl.init(null, new TrustManager[] {new TrustAll()}, new SecureRandom());
        return ssl;
      }
      if (caBundle.isEmpty()) {
        return SSLContext.getDefault();
      }
      ssl.init(null, trustManagers(caBundle.get()), new SecureRandom());
      return ssl;
    } catch (StorageException e) {
      throw e;
    } catch (Exception e) {
      throw new StorageException(Kind.INVALID_CONFIG, "Cannot set up TLS: " + e, e);
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
