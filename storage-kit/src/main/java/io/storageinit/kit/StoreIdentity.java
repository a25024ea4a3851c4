package io.storageinit.kit;

import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Builds the value a client returns from {@link io.storageinit.api.StorageClient#storeIdentity()}:
 * {@code kind;name=value;...}, with the trust a client places in the endpoint (its CA bundle, by
 * the SHA-256 of its content, never its path alone) and the proxies it goes through (by a hash, as
 * a proxy URL may hold a password). Two clients that would reach different stores, or reach one
 * through a party that could change the answers, get different identities.
 *
 * @since 0.4
 */
public final class StoreIdentity {
  private final StringBuilder text;

  private StoreIdentity(String kind) {
    this.text = new StringBuilder(kind);
  }

  /** Starts the identity of a store of {@code kind} ({@code s3}, {@code http}, ...). */
  public static StoreIdentity of(String kind) {
    return new StoreIdentity(kind);
  }

  /** Adds a named value; an empty or null value is written as {@code -}. */
  public StoreIdentity with(String name, Object value) {
    Object v = value instanceof Optional<?> o ? o.orElse(null) : value;
    text.append(';').append(name).append('=').append(v == null ? "-" : v.toString());
    return this;
  }

  /**
   * Adds the TLS trust: whether certificates are verified, and the CA bundle added to the system's
   * roots by the digest of its content.
   */
  public StoreIdentity trust(Optional<Path> caBundle, boolean verify) {
    with("verify", verify);
    return with("ca", caBundle.map(StoreIdentity::digestOf));
  }

  /** Adds the proxies requests may go through, by a digest (their URLs may carry a password). */
  public StoreIdentity proxies(HttpProxies proxies) {
    if (proxies.http().isEmpty() && proxies.https().isEmpty()) {
      return with("proxy", null);
    }
    return with("proxy", digest(proxies.toString().getBytes(StandardCharsets.UTF_8)));
  }

  @Override
  public String toString() {
    return text.toString();
  }

  private static String digestOf(Path file) {
    try {
      return digest(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new StorageException(
          Kind.INVALID_CONFIG, "Cannot read the CA bundle " + file + ": " + e.getMessage(), e);
    }
  }

  private static String digest(byte[] bytes) {
    try {
      return "sha256:"
          + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
