package io.storageinit.api;

import java.util.Locale;
import java.util.Objects;

/**
 * A checksum the store already knows for an object, which the runtime verifies after the transfer.
 * Immutable and thread-safe.
 *
 * @since 0.1
 */
public final class Checksum {
  /** Algorithms the runtime can verify; names follow {@link java.security.MessageDigest}. */
  public enum Algorithm {
    MD5("MD5"),
    SHA1("SHA-1"),
    SHA256("SHA-256");

    private final String jcaName;

    Algorithm(String jcaName) {
      this.jcaName = jcaName;
    }

    /** Returns the algorithm's {@link java.security.MessageDigest} name. */
    public String jcaName() {
      return jcaName;
    }
  }

  private final Algorithm algorithm;
  private final String hex;

  private Checksum(Algorithm algorithm, String hex) {
    this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
    this.hex = Objects.requireNonNull(hex, "hex").toLowerCase(Locale.ROOT);
    if (!this.hex.matches("[0-9a-f]+")) {
      throw new IllegalArgumentException("checksum is not hexadecimal: " + hex);
    }
  }

  /**
   * Returns a checksum.
   *
   * @param algorithm the algorithm; not null
   * @param hex the digest in hexadecimal, either case; not null
   * @throws IllegalArgumentException if {@code hex} is not hexadecimal
   */
  public static Checksum of(Algorithm algorithm, String hex) {
    return new Checksum(algorithm, hex);
  }

  /** Returns the algorithm; never null. */
  public Algorithm algorithm() {
    return algorithm;
  }

  /** Returns the digest in lower-case hexadecimal; never null. */
  public String hex() {
    return hex;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Checksum c && c.algorithm == algorithm && c.hex.equals(hex);
  }

  @Override
  public int hashCode() {
    return Objects.hash(algorithm, hex);
  }

  @Override
  public String toString() {
    return algorithm + ":" + hex;
  }
}
