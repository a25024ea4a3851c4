package io.storageinit.kit;

import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;

/**
 * Where a redirect may be followed, and where credentials may go: safe by construction.
 *
 * <ul>
 *   <li>Credentials belong to one {@linkplain Origin origin} (scheme, host and port); they are sent
 *       to that origin only ({@link #mayCarry}), never after a redirect to another scheme, host or
 *       port.
 *   <li>A redirect from https to http is refused ({@link #next}) for a request that carries
 *       credentials or whose next hop would: nothing secret ever goes out in clear text after a
 *       redirect, and a pre-signed https URL does not silently become plain http.
 *   <li>At most {@link #MAX_HOPS} redirects; only http and https; relative locations resolve
 *       against the hop that sent them.
 * </ul>
 *
 * @since 0.4
 */
public final class Redirects {
  /** As browsers and curl: more is a loop. */
  public static final int MAX_HOPS = 10;

  private Redirects() {}

  /**
   * A scheme, host and port, as the web's same-origin rule compares them.
   *
   * @param scheme lower case
   * @param host lower case, IPv6 literals in brackets
   * @param port the explicit port, or the scheme's default
   */
  public record Origin(String scheme, String host, int port) {
    /** The origin of an http(s) URI. */
    public static Origin of(URI uri) {
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      int port = uri.getPort() > 0 ? uri.getPort() : "https".equals(scheme) ? 443 : 80;
      String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
      return new Origin(scheme, host, port);
    }

    @Override
    public String toString() {
      return scheme + "://" + host + ":" + port;
    }
  }

  /** Whether a status is a redirect with a Location to follow (301, 302, 303, 307, 308). */
  /** The answer a request got at the end of its redirects, and the URL that gave it. */
  public record Followed(Http1.Response response, URI uri) {}

  /**
   * Sends a GET to {@code url} and follows its redirects by these rules: {@code credentials}
   * (header fields) go with a request only to {@code owner}'s origin, never to a host, port or
   * scheme a redirect leads to. Returns the first answer that is not a redirect, whatever its
   * status.
   *
   * @param forMessage the URI the user gave, already redacted, for error messages
   * @throws IOException what the connection threw
   * @throws io.storageinit.api.StorageException {@code INVALID_URI} as {@link #next} refuses a hop
   */
  public static Followed get(
      Http1 http,
      URI url,
      Origin owner,
      Map<String, String> credentials,
      Map<String, String> extra,
      String forMessage)
      throws IOException {
    URI current = url;
    for (int hop = 0; ; hop++) {
      Map<String, String> headers = new java.util.LinkedHashMap<>();
      if (!credentials.isEmpty() && mayCarry(owner, current)) {
        headers.putAll(credentials);
      }
      headers.putAll(extra);
      Http1.Response r = http.send("GET", current, headers);
      if (!isRedirect(r.status())) {
        return new Followed(r, current);
      }
      String location = r.header("Location");
      r.abort();
      current = next(current, location, hop, credentials.isEmpty() ? null : owner, forMessage);
    }
  }

  public static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  /** Whether credentials configured for {@code owner} may be sent to {@code hop}. */
  public static boolean mayCarry(Origin owner, URI hop) {
    return owner.equals(Origin.of(hop));
  }

  /**
   * The next hop after {@code current} answered with a redirect to {@code location}.
   *
   * @param hops how many redirects were followed before this one
   * @param credentials the origin the request's credentials belong to, or null when it has none;
   *     they are in play when they went to {@code current} or would go to the next hop ({@link
   *     #mayCarry})
   * @param forMessage the URI the user gave, already redacted, for error messages
   * @throws StorageException {@code INVALID_URI} for a missing or malformed location, another
   *     scheme than http(s), too many hops, or a downgrade from https to http with credentials
   */
  public static URI next(
      URI current, String location, int hops, Origin credentials, String forMessage) {
    if (location == null || location.isBlank()) {
      throw new StorageException(
          Kind.INVALID_URI, "URI: " + forMessage + " redirected without a Location");
    }
    if (hops >= MAX_HOPS) {
      throw new StorageException(
          Kind.INVALID_URI,
          "URI: " + forMessage + " redirected more than " + MAX_HOPS + " times (a loop?)");
    }
    URI next;
    try {
      next = current.resolve(new URI(location.trim()));
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw new StorageException(
          Kind.INVALID_URI, "URI: " + forMessage + " redirected to a malformed Location");
    }
    String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || next.getHost() == null) {
      throw new StorageException(
          Kind.INVALID_URI,
          "URI: "
              + forMessage
              + " redirected to "
              + Uris.redact(next.toString())
              + ", not http(s)");
    }
    boolean credentialed =
        credentials != null && (mayCarry(credentials, current) || mayCarry(credentials, next));
    if (credentialed && "https".equalsIgnoreCase(current.getScheme()) && scheme.equals("http")) {
      throw new StorageException(
          Kind.INVALID_URI,
          "URI: "
              + forMessage
              + " redirected from https to "
              + Uris.redact(next.toString())
              + ", plain http; the request carries credentials, which are never sent in clear"
              + " text: point the URI at an https location");
    }
    return next;
  }
}
