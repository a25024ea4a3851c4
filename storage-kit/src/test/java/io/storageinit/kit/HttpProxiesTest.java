package io.storageinit.kit;

import static org.assertj.core.api.Assertions.assertThat;

import io.storageinit.api.ProviderContext;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpProxiesTest {
  private static HttpProxies of(Map<String, String> env) {
    return HttpProxies.from(
        new ProviderContext() {
          @Override
          public Map<String, String> environment() {
            return env;
          }

          @Override
          public Map<String, String> storageConfig() {
            return Map.of();
          }

          @Override
          public Path privateDirectory() {
            throw new UnsupportedOperationException();
          }

          @Override
          public void registerSecret(String value) {}
        });
  }

  @Test
  void theProxyFollowsTheSchemeAndEitherCaseOfTheName() {
    HttpProxies p = of(Map.of("http_proxy", "proxy:3128", "HTTPS_PROXY", "http://secure:8443"));
    assertThat(p.forUrl(URI.create("http://models.example.com/m")))
        .contains(URI.create("http://proxy:3128"));
    assertThat(p.forUrl(URI.create("https://models.example.com/m")))
        .contains(URI.create("http://secure:8443"));
    assertThat(of(Map.of()).forUrl(URI.create("http://models.example.com/m"))).isEmpty();
  }

  @Test
  void noProxyNamesHostsDomainSuffixesOrEverything() {
    Map<String, String> env =
        Map.of("HTTP_PROXY", "http://proxy:3128", "NO_PROXY", " internal.corp, .svc ,10.0.0.7");
    HttpProxies p = of(env);
    assertThat(p.forUrl(URI.create("http://internal.corp/m"))).isEmpty();
    assertThat(p.forUrl(URI.create("http://minio.internal.corp:9000/m"))).isEmpty();
    assertThat(p.forUrl(URI.create("http://minio.kubeflow.svc/m"))).isEmpty();
    assertThat(p.forUrl(URI.create("http://10.0.0.7/m"))).isEmpty();
    assertThat(p.forUrl(URI.create("http://notinternal.corp/m"))).isPresent();
    assertThat(p.forUrl(URI.create("http://10.0.0.70/m"))).isPresent();
    assertThat(
            of(Map.of("HTTP_PROXY", "http://proxy:3128", "no_proxy", "*"))
                .forUrl(URI.create("http://anything/m")))
        .isEmpty();
  }

  @Test
  void aConnectionGoesThroughTheProxyWithItsCredentials() throws Exception {
    // A proxy on 127.0.0.1 that answers every request itself and records what it was sent.
    java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    com.sun.net.httpserver.HttpServer proxy =
        com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    proxy.createContext(
        "/",
        exchange -> {
          seen.add(
              exchange.getRequestURI()
                  + " "
                  + exchange.getRequestHeaders().getFirst("Proxy-Authorization"));
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    proxy.start();
    try {
      String at = "127.0.0.1:" + proxy.getAddress().getPort();
      try (Http1 http =
          Http1.builder().proxies(of(Map.of("HTTP_PROXY", "http://user:p%40ss@" + at))).build()) {
        Http1.Response r = http.send("GET", URI.create("http://models.example.com/m"), Map.of());
        assertThat(r.status()).isEqualTo(204);
      }
      String basic =
          java.util.Base64.getEncoder()
              .encodeToString("user:p@ss".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      assertThat(seen).containsExactly("http://models.example.com/m Basic " + basic);

      try (Http1 http = Http1.builder().proxies(of(Map.of("HTTP_PROXY", "http://" + at))).build()) {
        assertThat(http.send("GET", URI.create("http://models.example.com/n"), Map.of()).status())
            .isEqualTo(204);
      }
      assertThat(seen).endsWith("http://models.example.com/n null");

      HttpProxies bypassed = of(Map.of("HTTP_PROXY", "http://" + at, "NO_PROXY", "example.com"));
      assertThat(bypassed.forUrl(URI.create("http://models.example.com/o"))).isEmpty();
    } finally {
      proxy.stop(0);
    }
  }
}
