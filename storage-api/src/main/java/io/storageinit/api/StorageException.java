package io.storageinit.api;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The one exception type of the SPI. Its {@link Kind} is small and stable; the runtime maps it to
 * an exit code and decides whether to retry.
 *
 * <p>Messages must say what went wrong and what to do about it, name the URI with credentials
 * stripped, and never contain a secret. Plugins never retry on their own and never call {@code
 * System.exit}: they throw, and the runtime retries {@linkplain #retryable() retryable} failures
 * with backoff.
 *
 * @since 0.1
 */
public class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What kind of failure this is. Stable: new kinds are only ever added at the end. */
  public enum Kind {
    /** The URI is malformed or not one this provider can serve. */
    INVALID_URI,
    /** Configuration (environment, secrets, STORAGE_CONFIG) is missing or wrong. */
    INVALID_CONFIG,
    /** No credentials, or the store rejected them. */
    UNAUTHENTICATED,
    /** The credentials are valid but may not read this object. */
    PERMISSION_DENIED,
    /** The bucket, object, prefix, file or path does not exist. */
    NOT_FOUND,
    /** A failure that may succeed if retried: timeouts, resets, throttling, 5xx. */
    TRANSIENT,
    /** Data did not verify: size, checksum, a corrupt or hostile archive, a failed validation. */
    INTEGRITY,
    /** The operation or capability is not supported by this provider or object. */
    UNSUPPORTED,
    /** Anything else: a bug or an unexpected state. */
    INTERNAL,
    /**
     * The destination's file system (or the node cache's) has no room left for the model.
     *
     * @since 0.4
     */
    NO_SPACE
  }

  private final Kind kind;
  private final Duration retryAfter;
  private final boolean retryable;
  private final boolean offline;

  /**
   * Creates an exception.
   *
   * @param kind what kind of failure; not null
   * @param message what went wrong and what to do; not null, never containing a secret
   */
  public StorageException(Kind kind, String message) {
    this(kind, message, null, null);
  }

  /**
   * Creates an exception with a cause.
   *
   * @param kind what kind of failure; not null
   * @param message what went wrong and what to do; not null, never containing a secret
   * @param cause the underlying failure, or null
   */
  public StorageException(Kind kind, String message, Throwable cause) {
    this(kind, message, cause, null);
  }

  /**
   * Creates an exception carrying the delay the server asked for before a retry (HTTP {@code
   * Retry-After}, S3 {@code SlowDown}).
   *
   * @param kind what kind of failure; not null
   * @param message what went wrong and what to do; not null
   * @param cause the underlying failure, or null
   * @param retryAfter the delay the server asked for, or null for none
   */
  public StorageException(Kind kind, String message, Throwable cause, Duration retryAfter) {
    this(kind, message, cause, retryAfter, kind == Kind.TRANSIENT);
  }

  private StorageException(
      Kind kind, String message, Throwable cause, Duration retryAfter, boolean retryable) {
    this(kind, message, cause, retryAfter, retryable, false);
  }

  private StorageException(
      Kind kind,
      String message,
      Throwable cause,
      Duration retryAfter,
      boolean retryable,
      boolean offline) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.kind = Objects.requireNonNull(kind, "kind");
    this.retryAfter = retryAfter;
    this.retryable = retryable;
    this.offline = offline;
  }

  /**
   * Whether the client refused to list because the user asked it to stay off the network ({@link
   * #offline(String)}).
   *
   * @since 0.4
   */
  public boolean offline() {
    return offline;
  }

  /** Returns the kind of failure; never null. */
  public Kind kind() {
    return kind;
  }

  /**
   * Returns true when retrying the same call may succeed: every {@link Kind#TRANSIENT} failure, and
   * those made with {@link #retryableIntegrity}. Once the retries are spent, the runtime reports
   * the failure with its own kind.
   */
  public boolean retryable() {
    return retryable;
  }

  /** Returns the delay the server asked for before a retry, if it named one. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /** Shorthand for a {@link Kind#TRANSIENT} failure. */
  public static StorageException transientFailure(String message, Throwable cause) {
    return new StorageException(Kind.TRANSIENT, message, cause);
  }

  /**
   * An {@link Kind#INTEGRITY} failure worth a retry: the store answered with bytes other than those
   * asked for (a wrong {@code Content-Range}, say), which a new request may well get right.
   *
   * @since 0.4
   */
  public static StorageException retryableIntegrity(String message) {
    return new StorageException(Kind.INTEGRITY, message, null, null, true);
  }

  /**
   * The user asked the client to stay off the network ({@code HF_HUB_OFFLINE}, say), so it cannot
   * list: the runtime then keeps what DEST already holds, as the hubs' own libraries serve what
   * they downloaded before, and fails with this message ({@link Kind#NOT_FOUND}) when DEST holds
   * nothing.
   *
   * @since 0.4
   */
  public static StorageException offline(String message) {
    return new StorageException(Kind.NOT_FOUND, message, null, null, false, true);
  }

  /** Shorthand for a {@link Kind#NOT_FOUND} failure. */
  public static StorageException notFound(String message) {
    return new StorageException(Kind.NOT_FOUND, message);
  }

  /** Shorthand for a {@link Kind#UNSUPPORTED} failure. */
  public static StorageException unsupported(String message) {
    return new StorageException(Kind.UNSUPPORTED, message);
  }
}
