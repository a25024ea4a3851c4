package io.storageinit.kit;

import java.io.IOException;

/**
 * A document from a store (a listing, an error body, a header) that is not what the protocol
 * defines: asking again will not help. Plugins report it as "the store's answer is not valid",
 * never as an internal error. The message says what was found where; it never quotes more than a
 * few printable characters of the input.
 *
 * @since 0.4
 */
public class Malformed extends IOException {
  private static final long serialVersionUID = 1L;

  public Malformed(String message) {
    super(message);
  }
}
