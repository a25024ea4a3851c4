package io.storageinit.kit;

import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import io.storageinit.kit.Redirects.Origin;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocketFactory;

/**
 * What the plugins of model hubs ({@code hf://}, {@code modelscope://}) and of other services with
 * a JSON API ({@code gs://}) share: one service endpoint, an HTTP/1.1 client to it, GETs whose
 * credentials go to the hub's own origin only (never to the CDN it redirects files to), ranged
 * answers held to the range asked for, and I/O failures told in the runtime's kinds. The protocol
 * itself (routes, listings, error codes) stays with each plugin.
 *
 * @since 0.4
 */
public final class HubConnection implements AutoCloseable {
  private final String name;
  private final URI endpoint;
  private final Origin origin;
  private final Optional<Path> caBundle;
  private final HttpProxies proxies;
  private final Supplier<Map<String, String>> credentials;
  private final Http1 http;

  /**
   * @param name how messages name the hub ("the hub", "ModelScope")
   * @param credentials header fields sent with every request to the hub's own origin
   */
  public HubConnection(
      String name,
      URI endpoint,
      SSLSocketFactory tls,
      Duration connectTimeout,
      Duration readTimeout,
      HttpProxies proxies,
      Optional<Path> caBundle,
      Map<String, String> credentials) {
    this(
        name,
        endpoint,
        tls,
        connectTimeout,
        readTimeout,
        proxies,
        caBundle,
        constant(Map.copyOf(credentials)));
  }

  /**
   * A connection whose credentials change during the run (an OAuth access token refreshed before it
   * expires): {@code credentials} is asked before every request to the service's own origin, from
   * any thread, and may throw the runtime's {@link StorageException} when it cannot get them.
   *
   * @since 0.5
   */
  public HubConnection(
      String name,
      URI endpoint,
      SSLSocketFactory tls,
      Duration connectTimeout,
      Duration readTimeout,
      HttpProxies proxies,
      Optional<Path> caBundle,
      Supplier<Map<String, String>> credentials) {
    this.name = name;
    this.endpoint = endpoint;
    this.origin = Origin.of(endpoint);
    this.caBundle = caBundle;
    this.proxies = proxies;
    this.credentials = credentials;
    this.http =
        Http1.builder()
            .tls(() -> tls)
            .connectTimeout(connectTimeout)
            .readTimeout(readTimeout)
            .proxies(proxies)
            .build();
  }

  private static Supplier<Map<String, String>> constant(Map<String, String> credentials) {
    return () -> credentials;
  }

  public URI endpoint() {
    return endpoint;
  }

  /** The hub's origin: what credentials belong to. */
  public Origin origin() {
    return origin;
  }

  /** The client's {@code storeIdentity()}: the endpoint, the trust in it, the proxies. */
  public String identity(String kind) {
    return StoreIdentity.of(kind)
        .with("endpoint", endpoint)
        .trust(caBundle, true)
        .proxies(proxies)
        .toString();
  }

  /** {@code Range} for {@code [offset, offset + length)} ({@code length} -1: to the end). */
  public static Map<String, String> range(long offset, long length) {
    return offset > 0 || length >= 0
        ? Map.of(
            "Range",
            "bytes=" + offset + "-" + (length < 0 ? "" : String.valueOf(offset + length - 1)))
        : Map.of();
  }

  /**
   * GETs {@code url}, following redirects, with the credentials on requests to the hub's origin
   * only. Returns the first answer that is not a redirect, whatever its status.
   *
   * @param what what the request is for, in messages
   */
  public Redirects.Followed get(URI url, Map<String, String> extra, String what) {
    try {
      return Redirects.get(
          http, url, origin, credentials.get(), extra, Uris.redact(url.toString()));
    } catch (IOException e) {
      throw ioFailure(what, e);
    }
  }

  /**
   * The body of an answer to a read of {@code [offset, offset + length)} of an object of {@code
   * size} bytes: a ranged read must be answered 206 with that range (else a retryable integrity
   * failure, the answer dropped).
   */
  public static InputStream body(
      Http1.Response r, long offset, long length, long size, String what) {
    if (offset > 0 || length >= 0) {
      if (r.status() != 206) {
        r.abort();
        throw StorageException.retryableIntegrity(
            what + " answered a range request with " + r.status() + ", not 206");
      }
      ContentRange.checkResponse(r, offset, length, size, what);
    }
    return r.body();
  }

  /** An I/O failure with the hub, as the runtime's kind: TLS and DNS are configuration. */
  public StorageException ioFailure(String what, IOException e) {
    return ioFailure(name, endpoint, what, e);
  }

  /**
   * An I/O failure with the service {@code name} at {@code endpoint}, as the runtime's kind: TLS
   * and DNS are configuration, the rest transient.
   *
   * @param what what the request was for, in messages (redacted by the caller)
   * @since 0.5
   */
  public static StorageException ioFailure(String name, URI endpoint, String what, IOException e) {
    if (e instanceof SSLException) {
      return new StorageException(
          Kind.INVALID_CONFIG,
          "TLS with "
              + name
              + " "
              + endpoint
              + " failed for "
              + what
              + ": "
              + e.getMessage()
              + "; mount its CA with CA_BUNDLE_CONFIGMAP_NAME",
          e);
    }
    if (e instanceof UnknownHostException) {
      return new StorageException(
          Kind.INVALID_CONFIG,
          "Unknown host in the endpoint of " + name + " (" + endpoint + ")",
          e);
    }
    String how =
        e instanceof ConnectException
            ? "cannot connect to"
            : e instanceof SocketTimeoutException ? "timed out talking to" : "I/O error with";
    return StorageException.transientFailure(
        how + " " + name + " " + endpoint + " for " + what + ": " + e.getMessage(), e);
  }

  @Override
  public void close() {
    http.close();
  }
}
