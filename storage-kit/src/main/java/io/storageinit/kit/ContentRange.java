package io.storageinit.kit;

import io.storageinit.api.StorageException;

/**
 * Checks a {@code 206 Partial Content} answer against the range that was asked for (RFC 9110 {@code
 * Content-Range: bytes first-last/complete}). Bytes of another range written at the asked offset
 * would make a corrupt file that passes every size check; a mismatch is a protocol error worth a
 * retry (a cache or proxy in the way may answer better next time), and an integrity failure once
 * the retries are spent.
 *
 * @since 0.4
 */
public final class ContentRange {
  private ContentRange() {}

  /** A parsed {@code bytes first-last/complete}; {@code complete} is -1 for {@code *}. */
  public record Range(long first, long last, long complete) {}

  /**
   * Parses a Content-Range value of a 206 answer.
   *
   * @return null when it is not {@code bytes first-last/complete} with {@code first <= last} and
   *     {@code last < complete}
   */
  public static Range parse(String value) {
    if (value == null) {
      return null;
    }
    String v = value.trim();
    if (!v.regionMatches(true, 0, "bytes ", 0, 6)) {
      return null;
    }
    v = v.substring(6).trim();
    int dash = v.indexOf('-');
    int slash = v.indexOf('/');
    if (dash <= 0 || slash < dash) {
      return null;
    }
    long first = digits(v, 0, dash);
    long last = digits(v, dash + 1, slash);
    String total = v.substring(slash + 1);
    long complete = total.equals("*") ? -1 : digits(total, 0, total.length());
    if (first < 0 || last < first || (complete != -1 && (complete < 0 || last >= complete))) {
      return null;
    }
    return new Range(first, last, complete);
  }

  /** A non-negative decimal of at most 18 digits, else -2. */
  private static long digits(String s, int from, int to) {
    if (to <= from || to - from > 18) {
      return -2;
    }
    long n = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -2;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  /**
   * Checks that a 206 answered exactly {@code [offset, offset + length)} of an object of {@code
   * size} bytes.
   *
   * @param length the bytes asked for, -1 for "to the end"
   * @param size the object's size as listed, -1 if unknown
   * @param what the object, redacted, for the message
   * @return the range the answer holds: the one asked for
   * @throws StorageException a retryable {@code INTEGRITY} failure on any mismatch
   */
  public static Range check(String header, long offset, long length, long size, String what) {
    Range r = parse(header);
    long wantLast = length < 0 ? (size < 0 ? -1 : size - 1) : offset + length - 1;
    if (size >= 0 && wantLast >= size) {
      wantLast = size - 1;
    }
    boolean ok =
        r != null
            && r.first() == offset
            && (wantLast < 0 || r.last() == wantLast)
            && (size < 0 || r.complete() == -1 || r.complete() == size);
    if (!ok) {
      throw StorageException.retryableIntegrity(
          what
              + " answered the range "
              + offset
              + "-"
              + (wantLast < 0 ? "" : String.valueOf(wantLast))
              + (size < 0 ? "" : "/" + size)
              + " with Content-Range '"
              + (header == null ? "(none)" : Headers.printable(header))
              + "': another range or another object; nothing of it was kept");
    }
    return r;
  }

  /**
   * {@link #check} on a response's {@code Content-Range}; on a mismatch the response's body is
   * dropped, unread, before the failure is thrown.
   */
  public static Range checkResponse(
      Http1.Response response, long offset, long length, long size, String what) {
    try {
      return check(response.header("Content-Range"), offset, length, size, what);
    } catch (StorageException e) {
      response.abort();
      throw e;
    }
  }
}
