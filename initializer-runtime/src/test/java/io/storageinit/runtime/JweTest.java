package io.storageinit.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.CompressionAlgorithm;
import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEEncrypter;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.JWEObjectJSON;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.AESEncrypter;
import com.nimbusds.jose.crypto.DirectEncrypter;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming JWE decryption against JWEs made by Nimbus JOSE (an independent encrypter): every
 * symmetric key management and content encryption, compression, both serializations, payloads that
 * span many buffers; and the failures: a wrong key, a changed byte, a truncated file.
 */
class JweTest {
  @TempDir Path tmp;

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  record Case(JWEAlgorithm alg, EncryptionMethod enc, int keyBytes) {}

  static final List<Case> CASES =
      List.of(
          new Case(JWEAlgorithm.A256KW, EncryptionMethod.A256GCM, 32),
          new Case(JWEAlgorithm.A128KW, EncryptionMethod.A128GCM, 16),
          new Case(JWEAlgorithm.A192KW, EncryptionMethod.A192GCM, 24),
          new Case(JWEAlgorithm.A256KW, EncryptionMethod.A256CBC_HS512, 32),
          new Case(JWEAlgorithm.A128KW, EncryptionMethod.A128CBC_HS256, 16),
          new Case(JWEAlgorithm.A256GCMKW, EncryptionMethod.A256GCM, 32),
          new Case(JWEAlgorithm.A128GCMKW, EncryptionMethod.A192CBC_HS384, 16),
          new Case(JWEAlgorithm.DIR, EncryptionMethod.A256GCM, 32),
          new Case(JWEAlgorithm.DIR, EncryptionMethod.A128CBC_HS256, 32));

  static JWEEncrypter encrypter(Case c, byte[] key) throws Exception {
    return c.alg().equals(JWEAlgorithm.DIR) ? new DirectEncrypter(key) : new AESEncrypter(key);
  }

  static String compact(Case c, byte[] key, byte[] plain, boolean deflate) throws Exception {
    JWEHeader.Builder h = new JWEHeader.Builder(c.alg(), c.enc());
    if (deflate) {
      h.compressionAlgorithm(CompressionAlgorithm.DEF);
    }
    JWEObject jwe = new JWEObject(h.build(), new Payload(plain));
    jwe.encrypt(encrypter(c, key));
    return jwe.serialize();
  }

  byte[] decrypt(String jwe, byte[] key) throws Exception {
    Path in = Files.writeString(tmp.resolve("in.jwe"), jwe);
    Path out = tmp.resolve("out");
    Files.deleteIfExists(out);
    Jwe.decrypt(in, out, key);
    return Files.readAllBytes(out);
  }

  @Test
  void everySymmetricAlgorithmAndEncryptionOpensAndSpansManyBuffers() throws Exception {
    for (Case c : CASES) {
      byte[] key = random(c.keyBytes(), c.hashCode());
      // Larger than the 256 KiB buffer, and not a whole number of blocks.
      byte[] plain = random(1_000_003, 7);
      assertThat(decrypt(compact(c, key, plain, false), key)).as(c.toString()).isEqualTo(plain);
      byte[] small = "{\"a\": 1}".getBytes(StandardCharsets.UTF_8);
      assertThat(decrypt(compact(c, key, small, true), key)).as(c + " DEF").isEqualTo(small);
      assertThat(decrypt(compact(c, key, new byte[0], false), key)).as(c + " empty").isEmpty();
    }
  }

  /** The tag of files past the JDK's GCM limit comes from our GHASH: held to the JDK's here. */
  @Test
  void ourGhashGivesTheTagsOfTheJdksGcm() throws Exception {
    Jwe.alwaysOwnGhash = true;
    try {
      for (Case c : CASES) {
        byte[] key = random(c.keyBytes(), c.hashCode() + 1);
        for (int size : new int[] {0, 1, 15, 16, 17, 4096, 1_000_003}) {
          byte[] plain = random(size, size);
          assertThat(decrypt(compact(c, key, plain, false), key))
              .as(c + " " + size)
              .isEqualTo(plain);
        }
        String jwe = compact(c, key, random(5000, 3), false);
        String[] parts = jwe.split("\\.");
        char[] tag = parts[4].toCharArray();
        tag[2] = tag[2] == 'A' ? 'B' : 'A';
        assertRefused(
            String.join(".", parts[0], parts[1], parts[2], parts[3], new String(tag)), key, c + "");
      }
    } finally {
      Jwe.alwaysOwnGhash = false;
    }
  }

  @Test
  void theJsonSerializationsOpenToo() throws Exception {
    byte[] key = random(32, 1);
    byte[] plain = random(70_000, 2);
    JWEObjectJSON flat =
        new JWEObjectJSON(
            new JWEHeader.Builder(JWEAlgorithm.A256KW, EncryptionMethod.A256GCM).build(),
            new Payload(plain));
    flat.encrypt(new AESEncrypter(key));
    assertThat(decrypt(flat.serializeFlattened(), key)).isEqualTo(plain);
    assertThat(decrypt(flat.serializeGeneral(), key)).isEqualTo(plain);
  }

  @Test
  void aWrongKeyAChangedByteOrATruncatedFileIsRefused() throws Exception {
    byte[] key = random(32, 3);
    byte[] plain = random(300_000, 4);
    for (Case c : List.of(CASES.get(0), CASES.get(3))) {
      String jwe = compact(c, key, plain, false);
      assertRefused(jwe, random(32, 5), c + " wrong key");
      String[] parts = jwe.split("\\.");
      // A flipped character in the middle of the ciphertext, and in the tag.
      char[] ct = parts[3].toCharArray();
      ct[ct.length / 2] = ct[ct.length / 2] == 'A' ? 'B' : 'A';
      assertRefused(
          String.join(".", parts[0], parts[1], parts[2], new String(ct), parts[4]), key, c + " ct");
      char[] tag = parts[4].toCharArray();
      tag[0] = tag[0] == 'A' ? 'B' : 'A';
      assertRefused(
          String.join(".", parts[0], parts[1], parts[2], parts[3], new String(tag)),
          key,
          c + " tag");
      assertRefused(jwe.substring(0, jwe.length() / 2), key, c + " truncated");
      assertRefused(jwe.substring(0, jwe.lastIndexOf('.')), key, c + " no tag");
    }
    assertRefused("eyJhIjoxfQ is plain text", key, "plain text");
  }

  void assertRefused(String jwe, byte[] key, String what) throws Exception {
    assertThatThrownBy(() -> decrypt(jwe, key))
        .as(what)
        .isInstanceOfSatisfying(
            StorageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INTEGRITY));
  }
}
