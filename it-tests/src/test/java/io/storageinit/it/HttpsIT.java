package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.storageinit.http.TestHttpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS with a private CA: KServe's CA bundle ConfigMap, a direct bundle, and the explicit opt-out.
 */
class HttpsIT {
  @TempDir static Path tmp;
  static Path caPem;
  static TestHttpServer server;

  @BeforeAll
  static void start() throws Exception {
    TestCertificates certs = TestCertificates.create(tmp);
    caPem = certs.pem();
    Path www = Files.createDirectories(tmp.resolve("www"));
    Files.write(www.resolve("model.bin"), new byte[] {1, 2, 3, 4, 5});
    server = TestHttpServer.startTls(www, certs.serverContext());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  Cli.Result fetch(Map<String, String> env, Path dest) throws Exception {
    return Cli.run(env, server.url("model.bin"), dest.toString());
  }

  @Test
  void anUnknownCaFailsNamingTheTrustInUse() throws Exception {
    Cli.Result r = fetch(Map.of(), tmp.resolve("a"));
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.output()).contains("TLS with").contains("system CAs only");
  }

  @Test
  void kserveCaBundleConfigMapIsTrusted() throws Exception {
    Path mount = Files.createDirectories(tmp.resolve("custom-certs"));
    Files.copy(
        caPem, mount.resolve("cabundle.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Path dest = tmp.resolve("b");
    Cli.Result r =
        fetch(
            Map.of(
                "CA_BUNDLE_CONFIGMAP_NAME",
                "my-ca",
                "CA_BUNDLE_VOLUME_MOUNT_POINT",
                mount.toString()),
            dest);
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Files.readAllBytes(dest.resolve("model.bin"))).containsExactly(1, 2, 3, 4, 5);
  }

  @Test
  void aProxysCredentialsGoOnTheConnectAndNeverToTheOrigin() throws Exception {
    String basic =
        "Basic "
            + java.util.Base64.getEncoder()
                .encodeToString(
                    "model-reader:p@ss word".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    try (TunnelProxy proxy = new TunnelProxy(basic)) {
      Path dest = tmp.resolve("proxied");
      int before = server.requests().size();
      Cli.Result r =
          fetch(
              Map.of(
                  "STORAGE_HTTP_CA_BUNDLE",
                  caPem.toString(),
                  "HTTPS_PROXY",
                  "http://model-reader:p%40ss%20word@127.0.0.1:" + proxy.port()),
              dest);
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(dest.resolve("model.bin")).hasSize(5);
      // Every CONNECT carries the proxy's credentials; no request inside the tunnel does.
      assertThat(proxy.heads()).allMatch(h -> h.startsWith("CONNECT 127.0.0.1:" + server.port()));
      assertThat(proxy.tunnels()).isPositive();
      assertThat(server.requests().subList(before, server.requests().size()))
          .isNotEmpty()
          .allMatch(s -> s.header("Proxy-Authorization") == null);
      assertThat(r.output()).doesNotContain("p@ss word");
    }
  }

  @Test
  void aDirectBundleIsTrusted() throws Exception {
    Path dest = tmp.resolve("c");
    Cli.Result r = fetch(Map.of("STORAGE_HTTP_CA_BUNDLE", caPem.toString()), dest);
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(dest.resolve("model.bin")).hasSize(5);
  }

  @Test
  void aConfiguredBundleThatIsMissingIsAConfigError() throws Exception {
    Cli.Result r =
        fetch(
            Map.of(
                "CA_BUNDLE_CONFIGMAP_NAME",
                "my-ca",
                "CA_BUNDLE_VOLUME_MOUNT_POINT",
                tmp.resolve("nope").toString()),
            tmp.resolve("d"));
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.output()).contains("cabundle.crt does not exist");
  }

  @Test
  void verificationCanBeSwitchedOffExplicitly() throws Exception {
    Path dest = tmp.resolve("e");
    Cli.Result r = fetch(Map.of("STORAGE_HTTP_INSECURE", "true"), dest);
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(dest.resolve("model.bin")).hasSize(5);
  }
}
