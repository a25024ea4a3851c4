package io.storageinit.http;

import io.storageinit.api.ProviderContext;
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
 * The proxies of the environment, as curl and most tools read them: {@code HTTP_PROXY} / {@code
 * HTTPS_PROXY} (either case) per scheme, {@code NO_PROXY} as a comma list of hosts, domain suffixes
 * or {@code *}. A P2P distribution layer (Dragonfly and the like) plugs in here.
 */
record Proxies(Optional<URI> http, Optional<URI> https, List<String> noProxy) {

  static Proxies from(ProviderContext context) {
    return new Proxies(
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

  /** The proxy to reach {@code url} through, if any. */
  Optional<URI> forUrl(URI url) {
    String host = url.getHost() == null ? "" : url.getHost().toLowerCase(Locale.ROOT);
    for (String entry : noProxy) {
      String suffix = entry.startsWith(".") ? entry : "." + entry;
      if (entry.equals("*") || host.equals(entry) || host.endsWith(suffix)) {
        return Optional.empty();
      }
    }
    return "https".equals(url.getScheme()) ? https : http;
  }

  static Proxy asProxy(URI proxy) {
    int port =
        proxy.getPort() > 0 ? proxy.getPort() : ("https".equals(proxy.getScheme()) ? 443 : 80);
    return new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(proxy.getHost(), port));
  }

  /**
   * A Proxy-Authorization value for proxies given with user info, as {@code http://user:pass@host}.
   */
  static Optional<String> authorization(URI proxy) {
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
