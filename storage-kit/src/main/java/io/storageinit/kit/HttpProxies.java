package io.storageinit.kit;

import io.storageinit.api.ProviderContext;
import java.net.URI;
import java.net.URLDecoder;
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
 * authenticates with Basic ({@link #authorization}): {@link Http1} sends it on each request to an
 * http:// target, and on the CONNECT that opens the tunnel to an https:// target (never inside the
 * tunnel, where the header would reach the origin). Every plugin reads the same variables this way;
 * a P2P distribution layer (Dragonfly and the like) plugs in here.
 *
 * @param http the proxy for http:// targets
 * @param https the proxy for https:// targets
 * @param noProxy lower-case host names and domain suffixes reached directly
 * @since 0.4
 */
public record HttpProxies(Optional<URI> http, Optional<URI> https, List<String> noProxy) {

  /** No proxy for anything. */
  public static final HttpProxies NONE =
      new HttpProxies(Optional.empty(), Optional.empty(), List.of());

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
    return forTarget("https".equalsIgnoreCase(url.getScheme()), url.getHost());
  }

  /** Returns the proxy to reach {@code host} through over http or https, empty for directly. */
  public Optional<URI> forTarget(boolean secure, String host) {
    if (http.isEmpty() && https.isEmpty()) {
      return Optional.empty();
    }
    String h = host == null ? "" : host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    for (String entry : noProxy) {
      String suffix = entry.startsWith(".") ? entry : "." + entry;
      if (entry.equals("*") || h.equals(entry) || h.endsWith(suffix)) {
        return Optional.empty();
      }
    }
    return secure ? https : http;
  }

  /** The {@code Proxy-Authorization} value for a proxy URL with user info, Basic. */
  public static Optional<String> authorization(URI proxy) {
    if (proxy.getRawUserInfo() == null) {
      return Optional.empty();
    }
    String userInfo = URLDecoder.decode(proxy.getRawUserInfo(), StandardCharsets.UTF_8);
    return Optional.of(
        "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8)));
  }

  /** The proxy's port: as given, else 443 for an https:// proxy URL and 80 otherwise. */
  public static int port(URI proxy) {
    return proxy.getPort() > 0 ? proxy.getPort() : ("https".equals(proxy.getScheme()) ? 443 : 80);
  }
}
