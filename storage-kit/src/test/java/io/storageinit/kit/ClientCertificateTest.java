package io.storageinit.kit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.storageinit.api.StorageException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mutual TLS with PEM files made by openssl: a real handshake against a server that asks. */
class ClientCertificateTest {
  @TempDir Path tmp;

  @Test
  void aPkcs8RsaKeyIsPresentedToTheServer() throws Exception {
    Path cert = tmp.resolve("client.pem");
    Path key = tmp.resolve("client.key");
    selfSigned(cert, key, "/CN=model-reader", "rsa:2048");
    assertThat(Files.readString(key)).contains("BEGIN PRIVATE KEY");
    assertThat(handshake(cert, key)).isEqualTo("CN=model-reader");
  }

  @Test
  void aPkcs1RsaKeyIsPresentedToTheServer() throws Exception {
    Path cert = tmp.resolve("client.pem");
    Path key = tmp.resolve("client.key");
    Path rsa = tmp.resolve("client-rsa.key");
    selfSigned(cert, key, "/CN=legacy-key", "rsa:2048");
    openssl("rsa", "-traditional", "-in", key.toString(), "-out", rsa.toString());
    assertThat(Files.readString(rsa)).contains("BEGIN RSA PRIVATE KEY");
    assertThat(handshake(cert, rsa)).isEqualTo("CN=legacy-key");
  }

  @Test
  void aPkcs8EcKeyIsPresentedToTheServer() throws Exception {
    Path cert = tmp.resolve("client.pem");
    Path key = tmp.resolve("client.key");
    selfSigned(cert, key, "/CN=ec-reader", "ec", "-pkeyopt", "ec_paramgen_curve:P-256");
    assertThat(handshake(cert, key)).isEqualTo("CN=ec-reader");
  }

  @Test
  void encryptedAndSec1KeysAreRefusedWithTheCommandThatFixesThem() throws Exception {
    Path cert = tmp.resolve("client.pem");
    Path key = tmp.resolve("client.key");
    selfSigned(cert, key, "/CN=x", "rsa:2048");
    Path encrypted = tmp.resolve("enc.key");
    openssl(
        "pkcs8",
        "-topk8",
        "-in",
        key.toString(),
        "-out",
        encrypted.toString(),
        "-passout",
        "pass:secret");
    assertThatThrownBy(() -> context(cert, encrypted))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("is encrypted")
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");

    Path sec1 = tmp.resolve("ec.key");
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", sec1.toString());
    assertThatThrownBy(() -> context(cert, sec1))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("'EC PRIVATE KEY'")
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
  }

  @Test
  void aCertificateWithoutItsKeyIsAConfigurationError() throws Exception {
    Path cert = tmp.resolve("client.pem");
    Files.writeString(cert, "x");
    assertThatThrownBy(
            () -> TlsContexts.create(Optional.empty(), true, Optional.of(cert), Optional.empty()))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("needs both the certificate and its private key")
        .satisfies(
            e ->
                assertThat(((StorageException) e).kind())
                    .isEqualTo(StorageException.Kind.INVALID_CONFIG));
  }

  private static SSLContext context(Path cert, Path key) {
    return TlsContexts.create(Optional.empty(), false, Optional.of(cert), Optional.of(key));
  }

  /** Runs a TLS server that requires and trusts exactly {@code cert}; returns the peer's name. */
  private String handshake(Path cert, Path key) throws Exception {
    Path serverCert = tmp.resolve("server.pem");
    Path serverKey = tmp.resolve("server.key");
    selfSigned(serverCert, serverKey, "/CN=localhost", "rsa:2048");
    KeyStore serverStore = KeyStore.getInstance("PKCS12");
    serverStore.load(null, null);
    serverStore.setKeyEntry(
        "server",
        PemKeys.read(serverKey),
        new char[0],
        new java.security.cert.Certificate[] {x509(serverCert)});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(serverStore, new char[0]);
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("client", x509(cert));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    SSLContext server = SSLContext.getInstance("TLS");
    server.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);

    try (SSLServerSocket listener =
        (SSLServerSocket)
            server
                .getServerSocketFactory()
                .createServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      listener.setNeedClientAuth(true);
      CompletableFuture<String> peer =
          CompletableFuture.supplyAsync(
              () -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                  s.startHandshake();
                  String name = s.getSession().getPeerPrincipal().getName();
                  s.getOutputStream().write(1);
                  return name;
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      SSLContext client = context(cert, key);
      try (SSLSocket s =
          (SSLSocket)
              client
                  .getSocketFactory()
                  .createSocket(
                      java.net.InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
        s.startHandshake();
        assertThat(s.getInputStream().read()).isEqualTo(1);
      }
      return peer.get(30, TimeUnit.SECONDS);
    }
  }

  private static X509Certificate x509(Path pem) throws Exception {
    try (InputStream in = Files.newInputStream(pem)) {
      return (X509Certificate)
          java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  /** A self-signed certificate and its unencrypted PKCS#8 key, as openssl writes them. */
  private static void selfSigned(Path cert, Path key, String subject, String... keyType)
      throws Exception {
    List<String> args = new ArrayList<>(List.of("req", "-x509", "-newkey"));
    args.addAll(List.of(keyType));
    args.addAll(
        List.of(
            "-nodes",
            "-keyout",
            key.toString(),
            "-out",
            cert.toString(),
            "-subj",
            subject,
            "-days",
            "1"));
    openssl(args.toArray(String[]::new));
  }

  private static void openssl(String... args) throws Exception {
    Path exe = Path.of("/usr/bin/openssl");
    assumeTrue(Files.isExecutable(exe), "openssl is not installed");
    List<String> cmd = new ArrayList<>(List.of(exe.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try (OutputStream stdin = p.getOutputStream()) {
      // Nothing to type.
    }
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }
}
