package io.storageinit.api;

import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The HTTP proxies of the environment, read as curl and most tools read them: {@code HTTP_PROXY} /
 * {@code HTTPS_PROXY} (either case) per scheme of the target, {@code NO_PROXY} as a comma list of
 * hosts, domain suffixes or {@code *}. A proxy given as {@code http://user:pass@host:port}
 * authenticates with Basic. Providers with HTTP clients of their own use it so that every backend
 * honours the same variables; a P2P distribution layer (Dragonfly and the like) plugs in here.
 *
 * @param http the proxy for http:// targets
 * @param https the proxy for https:// targets
 * @param noProxy lower-case host names and domain suffixes reached directly
 * @since 0.2
 */
public record HttpProxies(Optional<URI> http, Optional<URI> https, List<String> noProxy) {

  /** Reads the proxy variables of {@code context}. */
  public static HttpProxies from(ProviderContext context) {
    return new HttpProxies(
        proxy(context, "HTTP_PROXY"),
        proxy(context, "HTTPS_PROXY"),
        first(context, "NO_PROXY")
            .map(
                v ->
                    Arrays.stream(v.split(","))
                        .map(s -> s.trim().toLowerCase(Locale.ROOT))
                        .filter(s -> !s.isEmpty())
                        .toList())
            .orElse(List.of()));
  }

  private static Optional<String> first(ProviderContext c, String name) {
    return c.env(name).or(() -> c.env(name.toLowerCase(Locale.ROOT)));
  }

  private static Optional<URI> proxy(ProviderContext c, String name) {
    return first(c, name).map(v -> URI.create(v.contains("://") ? v : "http://" + v));
  }

  /** Returns the proxy to reach {@code url} through, empty to connect directly. */
  public Optional<URI> forUrl(URI url) {
    String host = url.getHost() == null ? "" : url.getHost().toLowerCase(Locale.ROOT);
    for (String entry : noProxy) {
      String suffix = entry.startsWith(".") ? entry : "." + entry;
      if (entry.equals("*") || host.equals(entry) || host.endsWith(suffix)) {
        return Optional.empty();
      }
    }
    return "https".equals(url.getScheme()) ? https : http;
  }

  /**
   * Opens a JDK connection to {@code url}, through its proxy when the environment names one (with
   * that proxy's Proxy-Authorization, if it has user info). Nothing is sent yet.
   */
  public java.net.HttpURLConnection open(URI url) throws java.io.IOException {
    Optional<URI> proxy = forUrl(url);
    java.net.HttpURLConnection c =
        (java.net.HttpURLConnection)
            (proxy.isPresent()
                ? url.toURL().openConnection(asProxy(proxy.get()))
                : url.toURL().openConnection());
    proxy
        .flatMap(HttpProxies::authorization)
        .ifPresent(a -> c.setRequestProperty("Proxy-Authorization", a));
    return c;
  }

  private static Proxy asProxy(URI proxy) {
    int port =
        proxy.getPort() > 0 ? proxy.getPort() : ("https".equals(proxy.getScheme()) ? 443 : 80);
    return new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(proxy.getHost(), port));
  }

  /** The Proxy-Authorization value for a proxy given as {@code http://user:pass@host}. */
  private static Optional<String> authorization(URI proxy) {
    return Optional.ofNullable(proxy.getRawUserInfo())
        .map(
            u ->
                "Basic "
                    + Base64.getEncoder()
                        .encodeToString(
                            java.net.URLDecoder.decode(u, StandardCharsets.UTF_8)
                                .getBytes(StandardCharsets.UTF_8)));
  }
}
