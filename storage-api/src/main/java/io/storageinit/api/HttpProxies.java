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
 * authenticates with Basic: on each request to an http:// target, and on the CONNECT that opens the
 * tunnel to an https:// target (never inside the tunnel, where the header would reach the origin).
 * Providers with HTTP clients of their own use it so that every backend honours the same variables;
 * a P2P distribution layer (Dragonfly and the like) plugs in here.
 *
 * @param http the proxy for http:// targets
 * @param https the proxy for https:// targets
 * @param noProxy lower-case host names and domain suffixes reached directly
 * @since 0.2
 */
public record HttpProxies(Optional<URI> http, Optional<URI> https, List<String> noProxy) {

  /** The JDK property naming the schemes it will not answer a proxy's CONNECT challenge with. */
  static final String TUNNELING_DISABLED_SCHEMES = "jdk.http.auth.tunneling.disabledSchemes";

  static {
    // The JDK answers a proxy's 407 to CONNECT only for schemes this property leaves out, and its
    // default leaves Basic out. Set before the JDK's HTTP client first loads (it reads the
    // property once), unless the user chose a value.
    if (System.getProperty(TUNNELING_DISABLED_SCHEMES) == null) {
      System.setProperty(TUNNELING_DISABLED_SCHEMES, "");
    }
  }

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
    if (proxy.isPresent() && proxy.get().getRawUserInfo() != null) {
      // user:pass of a proxy given as http://user:pass@host
      String userInfo =
          java.net.URLDecoder.decode(proxy.get().getRawUserInfo(), StandardCharsets.UTF_8);
      if ("https".equals(url.getScheme())) {
        // Through a tunnel: the JDK sends the credentials on CONNECT when the proxy asks for them.
        c.setAuthenticator(new ProxyCredentials(userInfo));
      } else {
        c.setRequestProperty(
            "Proxy-Authorization",
            "Basic "
                + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8)));
      }
    }
    return c;
  }

  /** Answers the challenge of one proxy, and nobody else's, with its user info. */
  private static final class ProxyCredentials extends java.net.Authenticator {
    private final String info;

    ProxyCredentials(String userInfo) {
      this.info = userInfo;
    }

    @Override
    protected java.net.PasswordAuthentication getPasswordAuthentication() {
      if (getRequestorType() != RequestorType.PROXY) {
        return null;
      }
      int colon = info.indexOf(':');
      String user = colon < 0 ? info : info.substring(0, colon);
      String password = colon < 0 ? "" : info.substring(colon + 1);
      return new java.net.PasswordAuthentication(user, password.toCharArray());
    }
  }

  private static Proxy asProxy(URI proxy) {
    int port =
        proxy.getPort() > 0 ? proxy.getPort() : ("https".equals(proxy.getScheme()) ? 443 : 80);
    return new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(proxy.getHost(), port));
  }
}
