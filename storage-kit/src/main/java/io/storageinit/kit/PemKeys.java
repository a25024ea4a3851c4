package io.storageinit.kit;

import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an unencrypted PEM private key: PKCS#8 (RSA, EC, EdDSA) or PKCS#1 RSA.
 *
 * @since 0.4
 */
public final class PemKeys {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");

  /** The DER of AlgorithmIdentifier { rsaEncryption, NULL }. */
  private static final byte[] RSA_ALGORITHM = {
    0x30,
    0x0d,
    0x06,
    0x09,
    0x2a,
    (byte) 0x86,
    0x48,
    (byte) 0x86,
    (byte) 0xf7,
    0x0d,
    0x01,
    0x01,
    0x01,
    0x05,
    0x00
  };

  private PemKeys() {}

  public static PrivateKey read(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      String type = m.group(1);
      if (!type.endsWith("PRIVATE KEY")) {
        continue;
      }
      byte[] der = Base64.getMimeDecoder().decode(m.group(2).trim());
      switch (type) {
        case "PRIVATE KEY":
          return pkcs8(der, file);
        case "RSA PRIVATE KEY":
          if (text.contains("Proc-Type: 4,ENCRYPTED")) {
            throw encrypted(file);
          }
          return pkcs8(wrapRsa(der), file);
        case "ENCRYPTED PRIVATE KEY":
          throw encrypted(file);
        default:
          throw new StorageException(
              Kind.INVALID_CONFIG,
              "The private key "
                  + file
                  + " is a '"
                  + type
                  + "'; convert it to PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
      }
    }
    throw new StorageException(
        Kind.INVALID_CONFIG,
        "The private key file " + file + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
  }

  private static PrivateKey pkcs8(byte[] der, Path file) {
    for (String algorithm : List.of("RSA", "EC", "EdDSA")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (Exception tryNext) {
        // Not this algorithm.
      }
    }
    throw new StorageException(
        Kind.INVALID_CONFIG,
        "The private key " + file + " is not an RSA, EC or EdDSA key this JVM can read");
  }

  private static StorageException encrypted(Path file) {
    return new StorageException(
        Kind.INVALID_CONFIG,
        "The private key "
            + file
            + " is encrypted; give it unencrypted (openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8)"
            + " and protect it as a Kubernetes secret");
  }

  /** PKCS#1 RSAPrivateKey inside PKCS#8 PrivateKeyInfo { version 0, rsaEncryption, key }. */
  private static byte[] wrapRsa(byte[] pkcs1) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(new byte[] {0x02, 0x01, 0x00});
    body.writeBytes(RSA_ALGORITHM);
    body.writeBytes(tagged(0x04, pkcs1));
    return tagged(0x30, body.toByteArray());
  }

  private static byte[] tagged(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int n = content.length;
    if (n < 0x80) {
      out.write(n);
    } else {
      int bytes = (32 - Integer.numberOfLeadingZeros(n) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(n >>> (8 * i));
      }
    }
    out.writeBytes(content);
    return out.toByteArray();
  }
}
