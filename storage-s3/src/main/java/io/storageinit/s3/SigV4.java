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
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 for S3 requests without a body (GET and HEAD), the way S3 wants it: the
 * path encoded once, the payload hash in {@code x-amz-content-sha256}. The SDK's general signer
 * spends about a tenth of a millisecond of CPU per request on builders and property maps; this one
 * keeps the day's signing key and each thread's digests, and does one SHA-256 and one HMAC per
 * request. {@code SigV4Test} holds it to the SDK's signatures.
 */
final class SigV4 {
  static final String EMPTY_SHA256 =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  private static final HexFormat HEX = HexFormat.of();

  /** The key of one day, region and secret; derived once, used for every request that day. */
  private record SigningKey(String secret, String date, String region, byte[] key) {}

  private volatile SigningKey cached;

  /** Each thread's HMAC, initialised with the signing key it last used, and its SHA-256. */
  private final ThreadLocal<ThreadState> perThread = ThreadLocal.withInitial(ThreadState::new);

  private static final class ThreadState {
    final MessageDigest sha256 = newInstance(SigV4::newSha256);
    final Mac hmac = newInstance(SigV4::newMac);
    SigningKey keyed;
  }

  /**
   * Asks the JDK's own provider by name: a plain lookup of a Mac loads every installed provider
   * first, which costs tens of milliseconds at start-up. Another provider serves when that one is
   * absent (a FIPS-configured JDK).
   */
  private static MessageDigest newSha256() throws GeneralSecurityException {
    try {
      return MessageDigest.getInstance("SHA-256", "SUN");
    } catch (java.security.NoSuchProviderException e) {
      return MessageDigest.getInstance("SHA-256");
    }
  }

  private static Mac newMac() throws GeneralSecurityException {
    try {
      return Mac.getInstance("HmacSHA256", "SunJCE");
    } catch (java.security.NoSuchProviderException e) {
      return Mac.getInstance("HmacSHA256");
    }
  }

  private interface JcaFactory<T> {
    T get() throws GeneralSecurityException;
  }

  private static <T> T newInstance(JcaFactory<T> factory) {
    try {
      return factory.get();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks SHA-256 or HmacSHA256", e);
    }
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
    ThreadState t = perThread.get();
    String toSign =
        "AWS4-HMAC-SHA256\n"
            + amzDate
            + "\n"
            + scope
            + "\n"
            + HEX.formatHex(t.sha256.digest(canonical.toString().getBytes(StandardCharsets.UTF_8)));
    SigningKey key = key(secretAccessKey, date, region);
    if (t.keyed != key) {
      try {
        t.hmac.init(new SecretKeySpec(key.key(), "HmacSHA256"));
      } catch (java.security.InvalidKeyException e) {
        throw new IllegalStateException(e);
      }
      t.keyed = key;
    }
    String signature = HEX.formatHex(t.hmac.doFinal(toSign.getBytes(StandardCharsets.UTF_8)));
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
    query.forEach((k, v) -> sorted.put(uriEncode(k, false), uriEncode(v, false)));
    StringBuilder q = new StringBuilder();
    sorted.forEach((k, v) -> q.append(q.length() == 0 ? "" : "&").append(k).append('=').append(v));
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
      byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
      key = hmac(key, region);
      key = hmac(key, "s3");
      key = hmac(key, "aws4_request");
      k = new SigningKey(secret, date, region, key);
      cached = k;
    }
    return k;
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = newMac();
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks HmacSHA256", e);
    }
  }
}
