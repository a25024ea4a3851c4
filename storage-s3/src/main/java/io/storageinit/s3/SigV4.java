package io.storageinit.s3;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * AWS Signature Version 4 for S3 requests without a body (GET and HEAD), the way S3 wants it: the
 * path encoded once, the payload hash in {@code x-amz-content-sha256}. The SDK's general signer
 * spends about a tenth of a millisecond of CPU per request on builders and property maps; this one
 * keeps the day's signing key and each thread's digest, and does one SHA-256 and one HMAC per
 * request. {@code SigV4Test} holds it to the SDK's signatures.
 *
 * <p>HMAC-SHA256 is computed here from the JDK's SHA-256 (RFC 2104 is two digests): asking the JDK
 * for a {@code Mac} first sets up its cryptography framework (provider checks, policy files), about
 * 25 ms of a cold start, for the same two digests.
 */
final class SigV4 {
  static final String EMPTY_SHA256 =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  private static final HexFormat HEX = HexFormat.of();

  /** The key of one day, region and secret; derived once, used for every request that day. */
  private record SigningKey(String secret, String date, String region, byte[] key) {}

  private volatile SigningKey cached;

  /** Each thread's SHA-256. */
  private final ThreadLocal<MessageDigest> perThread = ThreadLocal.withInitial(SigV4::newSha256);

  /**
   * Asks the JDK's own provider by name: a plain lookup loads every installed provider first.
   * Another provider serves when that one is absent (a FIPS-configured JDK).
   */
  static MessageDigest newSha256() {
    try {
      try {
        return MessageDigest.getInstance("SHA-256", "SUN");
      } catch (java.security.NoSuchProviderException e) {
        return MessageDigest.getInstance("SHA-256");
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }

  private static final int BLOCK = 64;

  /** HMAC-SHA256 of {@code data} under {@code key} (RFC 2104), with {@code sha256} as the hash. */
  static byte[] hmac(MessageDigest sha256, byte[] key, byte[] data) {
    if (key.length > BLOCK) {
      key = sha256.digest(key);
    }
    byte[] pad = new byte[BLOCK];
    for (int i = 0; i < BLOCK; i++) {
      pad[i] = (byte) ((i < key.length ? key[i] : 0) ^ 0x36);
    }
    sha256.reset();
    sha256.update(pad);
    sha256.update(data);
    byte[] inner = sha256.digest();
    for (int i = 0; i < BLOCK; i++) {
      pad[i] ^= 0x36 ^ 0x5c;
    }
    sha256.update(pad);
    sha256.update(inner);
    return sha256.digest();
  }

  /**
   * Adds {@code x-amz-date}, {@code x-amz-content-sha256}, {@code x-amz-security-token} (when there
   * is a session token) and {@code Authorization} to {@code headers}, which must already hold every
   * other header sent, {@code host} included.
   *
   * @param encodedPath the path as sent: each key segment encoded by {@link #uriEncode}
   * @param query the query parameters, raw
   * @param headers lower-case names to values; completed in place
   */
  /**
   * {@code now} as {@code yyyyMMdd'T'HHmmss'Z'} in UTC, written by hand: a {@code
   * DateTimeFormatter} took a tenth of the CPU of signing a request.
   */
  static String amzDate(Instant now) {
    java.time.LocalDateTime t =
        java.time.LocalDateTime.ofEpochSecond(now.getEpochSecond(), 0, ZoneOffset.UTC);
    char[] c = new char[16];
    digits(c, 0, t.getYear(), 4);
    digits(c, 4, t.getMonthValue(), 2);
    digits(c, 6, t.getDayOfMonth(), 2);
    c[8] = 'T';
    digits(c, 9, t.getHour(), 2);
    digits(c, 11, t.getMinute(), 2);
    digits(c, 13, t.getSecond(), 2);
    c[15] = 'Z';
    return new String(c);
  }

  private static void digits(char[] c, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      c[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }

  void sign(
      String method,
      String encodedPath,
      Map<String, String> query,
      TreeMap<String, String> headers,
      String region,
      String accessKeyId,
      String secretAccessKey,
      String sessionToken,
      Instant now) {
    String amzDate = amzDate(now);
    String date = amzDate.substring(0, 8);
    headers.put("x-amz-date", amzDate);
    headers.put("x-amz-content-sha256", EMPTY_SHA256);
    if (sessionToken != null) {
      headers.put("x-amz-security-token", sessionToken);
    }
    StringBuilder canonical = new StringBuilder(256);
    canonical.append(method).append('\n').append(encodedPath).append('\n');
    canonical.append(canonicalQuery(query)).append('\n');
    StringBuilder signed = new StringBuilder();
    for (Map.Entry<String, String> h : headers.entrySet()) {
      canonical.append(h.getKey()).append(':').append(h.getValue().trim()).append('\n');
      signed.append(signed.length() == 0 ? "" : ";").append(h.getKey());
    }
    canonical.append('\n').append(signed).append('\n').append(EMPTY_SHA256);
    String scope = date + "/" + region + "/s3/aws4_request";
    MessageDigest sha256 = perThread.get();
    String toSign =
        "AWS4-HMAC-SHA256\n"
            + amzDate
            + "\n"
            + scope
            + "\n"
            + HEX.formatHex(sha256.digest(canonical.toString().getBytes(StandardCharsets.UTF_8)));
    SigningKey key = key(secretAccessKey, date, region);
    String signature =
        HEX.formatHex(hmac(sha256, key.key(), toSign.getBytes(StandardCharsets.UTF_8)));
    headers.put(
        "authorization",
        "AWS4-HMAC-SHA256 Credential="
            + accessKeyId
            + "/"
            + scope
            + ", SignedHeaders="
            + signed
            + ", Signature="
            + signature);
  }

  /** The query string as sent and as signed: sorted, each name and value encoded. */
  static String canonicalQuery(Map<String, String> query) {
    TreeMap<String, String> sorted = new TreeMap<>();
    for (Map.Entry<String, String> e : query.entrySet()) {
      sorted.put(uriEncode(e.getKey(), false), uriEncode(e.getValue(), false));
    }
    StringBuilder q = new StringBuilder();
    for (Map.Entry<String, String> e : sorted.entrySet()) {
      q.append(q.length() == 0 ? "" : "&").append(e.getKey()).append('=').append(e.getValue());
    }
    return q.toString();
  }

  /** RFC 3986 encoding as SigV4 defines it: all but A-Z a-z 0-9 - _ . ~ (and / if kept). */
  static String uriEncode(String s, boolean keepSlash) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(bytes.length + 16);
    for (byte b : bytes) {
      char c = (char) (b & 0xff);
      if ((c >= 'A' && c <= 'Z')
          || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '_'
          || c == '.'
          || c == '~'
          || (keepSlash && c == '/')) {
        out.append(c);
      } else {
        out.append('%').append(HEX.toHexDigits(b).toUpperCase(Locale.ROOT));
      }
    }
    return out.toString();
  }

  private SigningKey key(String secret, String date, String region) {
    SigningKey k = cached;
    if (k == null
        || !k.date().equals(date)
        || !k.region().equals(region)
        || !k.secret().equals(secret)) {
      MessageDigest sha256 = perThread.get();
      byte[] key = hmac(sha256, ("AWS4" + secret).getBytes(StandardCharsets.UTF_8), bytes(date));
      key = hmac(sha256, key, bytes(region));
      key = hmac(sha256, key, bytes("s3"));
      key = hmac(sha256, key, bytes("aws4_request"));
      k = new SigningKey(secret, date, region, key);
      cached = k;
    }
    return k;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
