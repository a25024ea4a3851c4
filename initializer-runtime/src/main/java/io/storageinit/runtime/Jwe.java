package io.storageinit.runtime;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.crypto.impl.AESGCMKW;
import com.nimbusds.jose.crypto.impl.AESKW;
import com.nimbusds.jose.crypto.impl.AuthenticatedCipherText;
import com.nimbusds.jose.util.Base64URL;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import io.storageinit.kit.JsonReader;
import io.storageinit.kit.Malformed;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.zip.Inflater;
import java.util.zip.InflaterOutputStream;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Decrypts a JWE file (RFC 7516) with a symmetric key, streaming: memory stays flat whatever the
 * file's size, and the plaintext goes to a file the caller renames only after the tag verified.
 *
 * <p>The compact serialization is read segment by segment, its ciphertext decoded from base64url as
 * it streams; the JSON serialization (flattened, or general with one recipient) is read whole, as
 * JSON must be. Key management: {@code dir}, {@code A128KW}/{@code A192KW}/{@code A256KW} and
 * {@code A*GCMKW} (RFC 7518's symmetric ones, through Nimbus JOSE's key unwrapping); content:
 * {@code A128GCM}/{@code A192GCM}/{@code A256GCM} and {@code A*CBC-HS*}; {@code "zip": "DEF"}.
 *
 * <p>AES-GCM without buffering: the JDK's GCM decryption keeps the whole ciphertext until the tag
 * is checked. Here the ciphertext is decrypted with AES-CTR from GCM's second counter block (the
 * same key stream), and the plaintext is encrypted again with the JDK's GCM, which streams when it
 * encrypts, to compute the tag the ciphertext must carry: both run on the JDK's AES and GHASH
 * intrinsics, and nothing is held back but one buffer.
 */
final class Jwe {
  private static final int BUFFER = 256 * 1024;

  /** What each call into the JDK's ciphers takes (see {@link #gcm}). */
  private static final int SLICE = 4 * 1024;

  /** GCM counts blocks in 32 bits: past 2^32 - 2 blocks its counter and CTR's part ways. */
  private static final long MAX_GCM_BYTES = ((1L << 32) - 2) * 16;

  /**
   * The most the JDK's GCM takes in one operation is 2^31 - 1 bytes: files whose ciphertext may be
   * larger get their tag from {@link Ghash} (slower than the JDK's intrinsics, but without limit).
   */
  static final long JDK_GCM_LIMIT = Integer.MAX_VALUE - (1L << 20);

  /** Tests: {@link Ghash} for every file. */
  static volatile boolean alwaysOwnGhash;

  private Jwe() {}

  /**
   * Decrypts {@code in} into {@code out} (created; the caller renames it once this returns).
   *
   * @param key the symmetric key: a key-wrapping key, or the content key itself for {@code dir}
   * @throws StorageException {@code INTEGRITY} when the file is no JWE this key opens, or its tag
   *     does not verify
   */
  static void decrypt(Path in, Path out, byte[] key) {
    String what = in.getFileName().toString();
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(in), BUFFER);
        OutputStream sink = Files.newOutputStream(out)) {
      // A compact JWE's ciphertext is 3/4 of its base64url; a JSON one's less.
      boolean ownGhash = alwaysOwnGhash || Files.size(in) / 4 * 3 > JDK_GCM_LIMIT;
      int first = skipBlank(raw);
      if (first == '{') {
        json(raw, sink, key, ownGhash);
      } else {
        compact(raw, first, sink, key, ownGhash);
      }
    } catch (JOSEException | GeneralSecurityException | Malformed | java.text.ParseException e) {
      throw failed(what, e.getMessage(), e);
    } catch (IOException e) {
      throw new StorageException(Kind.INTERNAL, "Cannot decrypt " + in + ": " + e.getMessage(), e);
    }
  }

  /** The first byte that is not white space, consumed. */
  private static int skipBlank(InputStream in) throws IOException {
    int b;
    do {
      b = in.read();
    } while (b == ' ' || b == '\n' || b == '\r' || b == '\t');
    return b;
  }

  private static void compact(
      InputStream in, int first, OutputStream sink, byte[] key, boolean ownGhash)
      throws IOException,
          GeneralSecurityException,
          JOSEException,
          java.text.ParseException,
          Malformed {
    String protectedHeader = (char) first + segment(in, 64 * 1024, "header");
    byte[] encryptedKey = decode(segment(in, 64 * 1024, "encrypted key"), "encrypted key");
    byte[] iv = decode(segment(in, 1024, "IV"), "IV");
    JWEHeader header = JWEHeader.parse(Base64URL.from(protectedHeader));
    byte[] aad = protectedHeader.getBytes(StandardCharsets.US_ASCII);
    Segment ciphertext = new Segment(in);
    InputStream decoded = new Decoded(ciphertext);
    decryptContent(
        header, encryptedKey, iv, aad, decoded, () -> tagOf(in, ciphertext), sink, key, ownGhash);
  }

  /** The tag: the last segment, read once the ciphertext's ended at its dot. */
  private static byte[] tagOf(InputStream in, Segment ciphertext) throws IOException, Malformed {
    if (!ciphertext.sawDot) {
      throw new Malformed("the ciphertext is not followed by a tag (a truncated file?)");
    }
    byte[] rest = in.readNBytes(1024);
    if (in.read() >= 0) {
      throw new Malformed("more than a tag after the ciphertext");
    }
    return decode(new String(rest, StandardCharsets.US_ASCII).strip(), "tag");
  }

  private static void json(InputStream in, OutputStream sink, byte[] key, boolean ownGhash)
      throws IOException,
          GeneralSecurityException,
          JOSEException,
          java.text.ParseException,
          Malformed {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    all.write('{');
    in.transferTo(all);
    if (!(JsonReader.parse(all.toByteArray()) instanceof Map<?, ?> m)) {
      throw new Malformed("not a JSON object");
    }
    Map<?, ?> recipient = m;
    if (m.get("recipients") instanceof java.util.List<?> list) {
      if (list.size() != 1 || !(list.get(0) instanceof Map<?, ?> r)) {
        throw new Malformed("a JWE for " + list.size() + " recipients: one is supported");
      }
      recipient = r;
    }
    if (!(m.get("protected") instanceof String protectedHeader)) {
      throw new Malformed("no protected header");
    }
    if (m.containsKey("unprotected") || recipient.containsKey("header")) {
      throw new Malformed("unprotected header parameters are not supported");
    }
    JWEHeader header = JWEHeader.parse(Base64URL.from(protectedHeader));
    byte[] encryptedKey =
        recipient.get("encrypted_key") instanceof String k
            ? decode(k, "encrypted key")
            : new byte[0];
    byte[] iv = decode(string(m, "iv"), "IV");
    byte[] ciphertext = decode(string(m, "ciphertext"), "ciphertext");
    byte[] tag = decode(string(m, "tag"), "tag");
    String aadText = protectedHeader + (m.get("aad") instanceof String extra ? "." + extra : "");
    decryptContent(
        header,
        encryptedKey,
        iv,
        aadText.getBytes(StandardCharsets.US_ASCII),
        new ByteArrayInputStream(ciphertext),
        () -> tag,
        sink,
        key,
        ownGhash);
  }

  private static String string(Map<?, ?> m, String name) throws Malformed {
    if (m.get(name) instanceof String s) {
      return s;
    }
    throw new Malformed("no " + name);
  }

  /** Where the tag comes from once the ciphertext is read. */
  private interface TagSource {
    byte[] tag() throws IOException, Malformed;
  }

  private static void decryptContent(
      JWEHeader header,
      byte[] encryptedKey,
      byte[] iv,
      byte[] aad,
      InputStream ciphertext,
      TagSource tag,
      OutputStream sink,
      byte[] key,
      boolean ownGhash)
      throws IOException, GeneralSecurityException, JOSEException, Malformed {
    EncryptionMethod enc = header.getEncryptionMethod();
    if (enc == null) {
      throw new Malformed("no \"enc\" in the header");
    }
    byte[] cek = contentKey(header, encryptedKey, key, enc);
    OutputStream plain = sink;
    Inflater inflater = null;
    if (header.getCompressionAlgorithm() != null) {
      if (!"DEF".equals(header.getCompressionAlgorithm().getName())) {
        throw new Malformed("the compression \"" + header.getCompressionAlgorithm() + "\"");
      }
      // RFC 1951 DEFLATE, without zlib's header.
      inflater = new Inflater(true);
      plain = new InflaterOutputStream(sink, inflater, BUFFER);
    }
    try {
      if (enc.equals(EncryptionMethod.A128GCM)
          || enc.equals(EncryptionMethod.A192GCM)
          || enc.equals(EncryptionMethod.A256GCM)) {
        gcm(cek, iv, aad, ciphertext, tag, plain, ownGhash);
      } else if (enc.equals(EncryptionMethod.A128CBC_HS256)
          || enc.equals(EncryptionMethod.A192CBC_HS384)
          || enc.equals(EncryptionMethod.A256CBC_HS512)) {
        cbcHmac(enc, cek, iv, aad, ciphertext, tag, plain);
      } else {
        throw new Malformed("the content encryption \"" + enc + "\"");
      }
      if (inflater != null) {
        ((InflaterOutputStream) plain).finish();
      }
    } finally {
      Arrays.fill(cek, (byte) 0);
      if (inflater != null) {
        inflater.end();
      }
    }
  }

  /** The content encryption key, unwrapped with {@code key} as the header's "alg" says. */
  private static byte[] contentKey(
      JWEHeader header, byte[] encryptedKey, byte[] key, EncryptionMethod enc)
      throws JOSEException, Malformed {
    JWEAlgorithm alg = header.getAlgorithm();
    int cekBytes = enc.cekBitLength() / 8;
    byte[] cek;
    if (alg.equals(JWEAlgorithm.DIR)) {
      if (encryptedKey.length != 0) {
        throw new Malformed("\"dir\" with an encrypted key");
      }
      cek = key.clone();
    } else if (alg.equals(JWEAlgorithm.A128KW)
        || alg.equals(JWEAlgorithm.A192KW)
        || alg.equals(JWEAlgorithm.A256KW)) {
      requireKeyLength(alg, key, Integer.parseInt(alg.getName().substring(1, 4)) / 8);
      cek = AESKW.unwrapCEK(new SecretKeySpec(key, "AES"), encryptedKey, null).getEncoded();
    } else if (alg.equals(JWEAlgorithm.A128GCMKW)
        || alg.equals(JWEAlgorithm.A192GCMKW)
        || alg.equals(JWEAlgorithm.A256GCMKW)) {
      requireKeyLength(alg, key, Integer.parseInt(alg.getName().substring(1, 4)) / 8);
      if (header.getIV() == null || header.getAuthTag() == null) {
        throw new Malformed("\"" + alg + "\" without \"iv\" and \"tag\" in the header");
      }
      SecretKey unwrapped =
          AESGCMKW.decryptCEK(
              new SecretKeySpec(key, "AES"),
              header.getIV().decode(),
              new AuthenticatedCipherText(encryptedKey, header.getAuthTag().decode()),
              cekBytes * 8,
              null);
      cek = unwrapped.getEncoded();
    } else {
      throw new Malformed(
          "the key management \""
              + alg
              + "\": the key from the Confidential Data Hub is symmetric (dir, A*KW, A*GCMKW)");
    }
    if (cek.length != cekBytes) {
      throw new Malformed(
          "the content key has " + cek.length * 8 + " bits, \"" + enc + "\" needs " + cekBytes * 8);
    }
    return cek;
  }

  private static void requireKeyLength(JWEAlgorithm alg, byte[] key, int bytes) throws Malformed {
    if (key.length != bytes) {
      throw new Malformed(
          "\"" + alg + "\" needs a " + bytes * 8 + "-bit key, the key has " + key.length * 8);
    }
  }

  /**
   * @param own whether the tag comes from {@link Ghash} rather than the JDK's GCM
   */
  private static void gcm(
      byte[] cek,
      byte[] iv,
      byte[] aad,
      InputStream ciphertext,
      TagSource tag,
      OutputStream out,
      boolean own)
      throws IOException, GeneralSecurityException, Malformed {
    if (iv.length != 12) {
      throw new Malformed("an AES-GCM IV of " + iv.length * 8 + " bits, not 96");
    }
    SecretKeySpec k = new SecretKeySpec(cek, "AES");
    // CTR from GCM's second counter block: inc32(IV || 0^31 || 1).
    byte[] counter = Arrays.copyOf(iv, 16);
    counter[15] = 2;
    Cipher ctr = Cipher.getInstance("AES/CTR/NoPadding");
    ctr.init(Cipher.DECRYPT_MODE, k, new IvParameterSpec(counter));
    Cipher again = null;
    Ghash ghash = null;
    Cipher ecb = null;
    if (own) {
      ecb = Cipher.getInstance("AES/ECB/NoPadding");
      ecb.init(Cipher.ENCRYPT_MODE, k);
      ghash = new Ghash(ecb.doFinal(new byte[16]));
      ghash.update(aad, 0, aad.length);
      ghash.pad();
    } else {
      again = Cipher.getInstance("AES/GCM/NoPadding");
      again.init(Cipher.ENCRYPT_MODE, k, new GCMParameterSpec(128, iv));
      again.updateAAD(aad);
    }
    byte[] in = new byte[BUFFER];
    byte[] plain = new byte[BUFFER + 16];
    byte[] scratch = new byte[BUFFER + 32];
    long total = 0;
    int n;
    while ((n = ciphertext.readNBytes(in, 0, in.length)) > 0) {
      total += n;
      if (total > MAX_GCM_BYTES) {
        throw new Malformed("more AES-GCM ciphertext than one IV may cover");
      }
      // In slices: the JDK's AES and GHASH intrinsics replace calls made from C2-compiled code,
      // and a method called a few times with huge arrays never gets there.
      int written = 0;
      for (int at = 0; at < n; at += SLICE) {
        int len = Math.min(SLICE, n - at);
        if (own) {
          ghash.update(in, at, len);
        }
        int p = ctr.update(in, at, len, plain, written);
        if (!own) {
          again.update(plain, written, p, scratch);
        }
        written += p;
      }
      out.write(plain, 0, written);
    }
    int p = ctr.doFinal(plain, 0);
    if (!own) {
      again.update(plain, 0, p, scratch);
    }
    out.write(plain, 0, p);
    byte[] expected;
    if (own) {
      byte[] j0 = Arrays.copyOf(iv, 16);
      j0[15] = 1;
      expected = ghash.finish(aad.length, total);
      byte[] mask = ecb.doFinal(j0);
      for (int i = 0; i < 16; i++) {
        expected[i] ^= mask[i];
      }
    } else {
      byte[] last = again.doFinal();
      expected = Arrays.copyOfRange(last, last.length - 16, last.length);
    }
    byte[] given = tag.tag();
    if (!MessageDigest.isEqual(expected, given)) {
      throw new Malformed("the authentication tag does not match (a wrong key, or changed bytes)");
    }
  }

  private static void cbcHmac(
      EncryptionMethod enc,
      byte[] cek,
      byte[] iv,
      byte[] aad,
      InputStream ciphertext,
      TagSource tag,
      OutputStream out)
      throws IOException, GeneralSecurityException, Malformed {
    if (iv.length != 16) {
      throw new Malformed("an AES-CBC IV of " + iv.length * 8 + " bits, not 128");
    }
    int half = cek.length / 2;
    String hmac = "HmacSHA" + (half * 16);
    Mac mac = Mac.getInstance(hmac);
    mac.init(new SecretKeySpec(cek, 0, half, hmac));
    mac.update(aad);
    mac.update(iv);
    Cipher cbc = Cipher.getInstance("AES/CBC/PKCS5Padding");
    cbc.init(
        Cipher.DECRYPT_MODE, new SecretKeySpec(cek, half, half, "AES"), new IvParameterSpec(iv));
    byte[] in = new byte[BUFFER];
    byte[] plain = new byte[BUFFER + 32];
    int n;
    while ((n = ciphertext.readNBytes(in, 0, in.length)) > 0) {
      mac.update(in, 0, n);
      int p = cbc.update(in, 0, n, plain);
      out.write(plain, 0, p);
    }
    mac.update(ByteBuffer.allocate(8).putLong((long) aad.length * 8).array());
    byte[] expected = Arrays.copyOf(mac.doFinal(), half);
    if (!MessageDigest.isEqual(expected, tag.tag())) {
      throw new Malformed("the authentication tag does not match (a wrong key, or changed bytes)");
    }
    try {
      int p = cbc.doFinal(plain, 0);
      out.write(plain, 0, p);
    } catch (javax.crypto.BadPaddingException e) {
      throw new Malformed("bad padding after a valid tag");
    }
  }

  /** A segment of a compact JWE: up to its dot, at most {@code max} characters. */
  private static String segment(InputStream in, int max, String what)
      throws IOException, Malformed {
    StringBuilder b = new StringBuilder();
    for (int c = in.read(); c != '.'; c = in.read()) {
      if (c < 0) {
        throw new Malformed("the file ends inside the " + what + " (not a compact JWE)");
      }
      if (b.length() >= max) {
        throw new Malformed("the " + what + " is longer than " + max + " characters");
      }
      b.append((char) c);
    }
    return b.toString();
  }

  private static byte[] decode(String base64url, String what) throws Malformed {
    try {
      return Base64.getUrlDecoder().decode(base64url);
    } catch (IllegalArgumentException e) {
      throw new Malformed("the " + what + " is not base64url");
    }
  }

  /**
   * The ciphertext decoded from base64url as it streams, a buffer at a time (the JDK's decoding
   * stream asks its source for one byte at a time); characters that are not base64url make the file
   * malformed.
   */
  private static final class Decoded extends InputStream {
    private final InputStream chars;
    private final byte[] in = new byte[BUFFER];
    private int carry;
    private ByteBuffer out = ByteBuffer.allocate(0);
    private boolean ended;

    Decoded(InputStream chars) {
      this.chars = chars;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      while (!out.hasRemaining()) {
        if (ended || !fill()) {
          return -1;
        }
      }
      int n = Math.min(len, out.remaining());
      out.get(b, off, n);
      return n;
    }

    /** Decodes the next buffer of characters; false at the end. */
    private boolean fill() throws IOException {
      int n = chars.readNBytes(in, carry, in.length - carry);
      int total = carry + n;
      boolean last = n < in.length - carry;
      int decodable = last ? total : total - total % 4;
      try {
        out = Base64.getUrlDecoder().decode(ByteBuffer.wrap(in, 0, decodable));
      } catch (IllegalArgumentException e) {
        throw new Malformed("the ciphertext is not base64url (" + e.getMessage() + ")");
      }
      carry = total - decodable;
      System.arraycopy(in, decodable, in, 0, carry);
      if (last) {
        ended = true;
      }
      return out.hasRemaining() || !last;
    }
  }

  /** The ciphertext segment: the stream up to (not including) the next dot. */
  private static final class Segment extends InputStream {
    private final InputStream in;
    boolean sawDot;

    Segment(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      if (sawDot) {
        return -1;
      }
      int c = in.read();
      if (c == '.') {
        sawDot = true;
        return -1;
      }
      return c;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (sawDot) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      // Read ahead, then step back to just past the dot if the chunk holds one.
      in.mark(len + 1);
      int n = in.read(b, off, len);
      if (n < 0) {
        return -1;
      }
      for (int i = 0; i < n; i++) {
        if (b[off + i] == '.') {
          in.reset();
          in.skipNBytes(i + 1);
          sawDot = true;
          return i == 0 ? -1 : i;
        }
      }
      return n;
    }
  }

  private static StorageException failed(String what, String why, Throwable cause) {
    return new StorageException(
        Kind.INTEGRITY,
        what + " cannot be decrypted: " + why + "; no plaintext of it was kept",
        cause);
  }
}
