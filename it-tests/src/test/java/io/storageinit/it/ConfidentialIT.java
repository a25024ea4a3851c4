package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.AESEncrypter;
import com.nimbusds.jose.crypto.impl.AESKW;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.util.Base64URL;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Confidential models through the real command: a Confidential Data Hub stand-in on 127.0.0.1 (its
 * resource API, {@code GET /cdh/resource/<repo>/<type>/<tag>}) gives the key; JWE files in DEST
 * become their plaintext, an encrypted archive is unpacked, links are replaced and never written
 * through, a 2 GiB file decrypts in a 64 MiB heap, and the failures have their exit codes with no
 * plaintext left.
 */
class ConfidentialIT {
  static final String RESOURCE = "kbs:///default/model-key/v1";

  @TempDir Path tmp;
  HttpServer cdh;
  final List<String> requests = new CopyOnWriteArrayList<>();
  volatile byte[] answer;
  volatile int status = 200;
  byte[] key;

  @BeforeEach
  void start() throws IOException {
    key = new byte[32];
    new Random(42).nextBytes(key);
    answer =
        new OctetSequenceKey.Builder(key).build().toJSONString().getBytes(StandardCharsets.UTF_8);
    cdh = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    cdh.createContext(
        "/",
        x -> {
          try (x) {
            requests.add(x.getRequestMethod() + " " + x.getRequestURI());
            byte[] body =
                x.getRequestURI().getPath().equals("/cdh/resource/default/model-key/v1")
                    ? answer
                    : "no such resource".getBytes(StandardCharsets.UTF_8);
            int s = body == answer ? status : 404;
            x.sendResponseHeaders(s, body.length);
            x.getResponseBody().write(body);
          }
        });
    cdh.start();
  }

  @AfterEach
  void stop() {
    cdh.stop(0);
  }

  Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>();
    env.put("CONFIDENTIAL_ENABLED", "True");
    env.put("CONFIDENTIAL_RESOURCE_ID", RESOURCE);
    env.put("CDH_ADDR", "http://127.0.0.1:" + cdh.getAddress().getPort());
    env.put("STORAGE_VALIDATORS", "none");
    env.put("STORAGE_RETRY_INITIAL_DELAY_MS", "10");
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  String encrypt(byte[] plain, EncryptionMethod enc) throws Exception {
    JWEObject jwe =
        new JWEObject(new JWEHeader.Builder(JWEAlgorithm.A256KW, enc).build(), new Payload(plain));
    jwe.encrypt(new AESEncrypter(key));
    return jwe.serialize();
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void jweFilesBecomeTheirPlaintextWithOneKeyRequestAndLinksAreNeverWrittenThrough()
      throws Exception {
    Path source = Files.createDirectories(tmp.resolve("pvc/model"));
    byte[] weights = random(3_000_000, 1);
    byte[] tokenizer = "{\"model\": \"bpe\"}".getBytes(StandardCharsets.UTF_8);
    Files.writeString(
        source.resolve("model.safetensors.jwe"), encrypt(weights, EncryptionMethod.A256GCM));
    Files.writeString(
        source.resolve("tokenizer.json"), encrypt(tokenizer, EncryptionMethod.A128CBC_HS256));
    Files.writeString(source.resolve("config.json"), "{\"plain\": true}");
    String ciphertext = Files.readString(source.resolve("model.safetensors.jwe"));

    // Link mode (KServe's for local sources): DEST holds links into the source volume.
    Path dest = tmp.resolve("mnt/models");
    Cli.Result r = Cli.run(env(), source.toString(), dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest))
        .containsOnlyKeys("model.safetensors", "tokenizer.json", "config.json")
        .containsEntry("config.json", "-> " + source.resolve("config.json"));
    assertThat(Files.isSymbolicLink(dest.resolve("model.safetensors"))).isFalse();
    assertThat(Files.readAllBytes(dest.resolve("model.safetensors"))).isEqualTo(weights);
    assertThat(Files.readAllBytes(dest.resolve("tokenizer.json"))).isEqualTo(tokenizer);
    // The source volume is as it was: the links were replaced, not written through.
    assertThat(Files.readString(source.resolve("model.safetensors.jwe"))).isEqualTo(ciphertext);
    assertThat(Files.readString(source.resolve("tokenizer.json"))).startsWith("eyJ");
    assertThat(requests).containsExactly("GET /cdh/resource/default/model-key/v1");
    assertThat(r.output())
        .doesNotContain(Base64.getUrlEncoder().withoutPadding().encodeToString(key));
  }

  @Test
  void anEncryptedArchiveIsDecryptedThenUnpacked() throws Exception {
    Path source = Files.createDirectories(tmp.resolve("src"));
    Path tgz =
        TestArchives.tar(
            tmp.resolve("m.tar.gz"), Map.of("model/config.json", "{}", "model/w.bin", "0123"));
    Files.writeString(
        source.resolve("model.tar.gz.jwe"),
        encrypt(Files.readAllBytes(tgz), EncryptionMethod.A256GCM));
    // The key as base64url text, the hub's other form.
    answer =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(key)
            .getBytes(StandardCharsets.US_ASCII);
    Path dest = tmp.resolve("dest");
    Cli.Result r = Cli.run(env("STORAGE_PVC_MODE", "copy"), source.toString(), dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest)).containsOnlyKeys("model", "model/config.json", "model/w.bin");
    assertThat(dest.resolve("model/w.bin")).hasContent("0123");
  }

  @Test
  void failuresHaveTheirExitCodesAndLeaveNoPlaintext() throws Exception {
    Path source = Files.createDirectories(tmp.resolve("src"));
    String jwe = encrypt(random(500_000, 2), EncryptionMethod.A256GCM);
    String[] parts = jwe.split("\\.");
    char[] tag = parts[4].toCharArray();
    tag[1] = tag[1] == 'A' ? 'B' : 'A';
    Files.writeString(
        source.resolve("model.bin.jwe"),
        String.join(".", parts[0], parts[1], parts[2], parts[3], new String(tag)));
    Path dest = tmp.resolve("flipped");
    Cli.Result flipped =
        Cli.run(env("STORAGE_PVC_MODE", "copy"), source.toString(), dest.toString());
    assertThat(flipped.exitCode()).as(flipped.output()).isEqualTo(6);
    assertThat(flipped.output()).contains("model.bin.jwe cannot be decrypted").contains("tag");
    assertThat(Cli.tree(dest)).containsOnlyKeys("model.bin.jwe");

    // A truncated file.
    Files.writeString(source.resolve("model.bin.jwe"), jwe.substring(0, jwe.length() / 2));
    Path cut = tmp.resolve("cut");
    Cli.Result truncated =
        Cli.run(env("STORAGE_PVC_MODE", "copy"), source.toString(), cut.toString());
    assertThat(truncated.exitCode()).as(truncated.output()).isEqualTo(6);
    assertThat(Cli.tree(cut)).containsOnlyKeys("model.bin.jwe");

    // A wrong key.
    Files.writeString(source.resolve("model.bin.jwe"), jwe);
    answer =
        new OctetSequenceKey.Builder(random(32, 9))
            .build()
            .toJSONString()
            .getBytes(StandardCharsets.UTF_8);
    Path wrong = tmp.resolve("wrong");
    Cli.Result wrongKey =
        Cli.run(env("STORAGE_PVC_MODE", "copy"), source.toString(), wrong.toString());
    assertThat(wrongKey.exitCode()).as(wrongKey.output()).isEqualTo(6);
    assertThat(Cli.tree(wrong)).containsOnlyKeys("model.bin.jwe");

    // The hub refuses (4xx): exit 3.
    status = 403;
    Cli.Result refused =
        Cli.run(env("STORAGE_PVC_MODE", "copy"), source.toString(), tmp.resolve("r").toString());
    assertThat(refused.exitCode()).as(refused.output()).isEqualTo(3);
    assertThat(refused.output()).contains("refused the key " + RESOURCE);

    // The hub is down: retries, then exit 5.
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Cli.Result down =
        Cli.run(
            env(
                "STORAGE_PVC_MODE",
                "copy",
                "CDH_ADDR",
                "http://127.0.0.1:" + closed,
                "STORAGE_MAX_ATTEMPTS",
                "3"),
            source.toString(),
            tmp.resolve("d").toString());
    assertThat(down.exitCode()).as(down.output()).isEqualTo(5);
    assertThat(down.output()).contains("after 3 attempts").contains("retrying the key");

    // A malformed resource id: exit 2, before anything is fetched.
    Path early = tmp.resolve("early");
    Cli.Result malformed =
        Cli.run(
            env("CONFIDENTIAL_RESOURCE_ID", "kbs:///only/two"),
            source.toString(),
            early.toString());
    assertThat(malformed.exitCode()).as(malformed.output()).isEqualTo(2);
    assertThat(malformed.output()).contains("kbs:///<repo>/<type>/<tag>");
    assertThat(Cli.tree(early)).isEmpty();
  }

  /**
   * A file of 2 GiB and a bit (override with {@code -Dconfidential.big.mib}) decrypts in a 64 MiB
   * heap: the plaintext streams, nothing holds the ciphertext; past the JDK's 2^31 - 1 bytes of
   * GCM, its tag is checked with the runtime's own GHASH.
   */
  @Test
  void aTwoGibFileDecryptsInASmallHeap() throws Exception {
    long mib = Long.getLong("confidential.big.mib", 2049);
    Path source = Files.createDirectories(tmp.resolve("big"));
    Path file = source.resolve("weights.bin.jwe");
    long t0 = System.nanoTime();
    String digest = writeBigJwe(file, mib << 20);
    System.out.println("made the JWE in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    Path dest = tmp.resolve("dest");
    Process p =
        Cli.start(
            env("STORAGE_PVC_MODE", "copy", "JAVA_OPTS", "-Xmx64m"),
            source.toString(),
            dest.toString());
    // The bin script execs the JVM: its peak resident set, read while it runs.
    Path status = Path.of("/proc/" + p.pid() + "/status");
    long peakKib = 0;
    java.io.ByteArrayOutputStream output = new java.io.ByteArrayOutputStream();
    Thread drain =
        new Thread(
            () -> {
              try (var in = p.getInputStream()) {
                in.transferTo(output);
              } catch (IOException ignored) {
                // The process is gone.
              }
            });
    drain.start();
    while (p.isAlive()) {
      try {
        for (String line : Files.readAllLines(status)) {
          if (line.startsWith("VmHWM:")) {
            peakKib = Math.max(peakKib, Long.parseLong(line.replaceAll("[^0-9]", "")));
          }
        }
      } catch (IOException gone) {
        // Exited between the check and the read.
      }
      Thread.sleep(100);
    }
    drain.join();
    assertThat(p.exitValue()).as(output.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(peakKib).as("peak RSS, KiB").isPositive().isLessThan(200 * 1024);
    System.out.println(
        "decrypting "
            + mib
            + " MiB: peak RSS "
            + peakKib / 1024
            + " MiB\n"
            + output.toString(StandardCharsets.UTF_8));
    Path plain = dest.resolve("weights.bin");
    assertThat(Files.size(plain)).isEqualTo(mib << 20);
    assertThat(sha256(plain)).isEqualTo(digest);
    Files.delete(plain);
    Files.delete(file);
  }

  /**
   * Writes a compact JWE (A256KW, A256GCM) of {@code size} pseudo-random bytes, streaming, as no
   * library here writes one that large; returns the plaintext's SHA-256.
   */
  String writeBigJwe(Path file, long size) throws Exception {
    byte[] cek = random(32, 11);
    byte[] iv = random(12, 12);
    String header = Base64URL.encode("{\"alg\":\"A256KW\",\"enc\":\"A256GCM\"}").toString();
    byte[] wrapped =
        AESKW.wrapCEK(new SecretKeySpec(cek, "AES"), new SecretKeySpec(key, "AES"), null);
    // Bouncy Castle's GCM: the JDK's takes at most 2^31 - 1 bytes in one operation.
    org.bouncycastle.crypto.modes.GCMModeCipher gcm =
        org.bouncycastle.crypto.modes.GCMBlockCipher.newInstance(
            org.bouncycastle.crypto.engines.AESEngine.newInstance());
    byte[] aad = header.getBytes(StandardCharsets.US_ASCII);
    gcm.init(
        true,
        new org.bouncycastle.crypto.params.AEADParameters(
            new org.bouncycastle.crypto.params.KeyParameter(cek), 128, iv, aad));
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      raw.write(
          (header + "." + b64.encodeToString(wrapped) + "." + b64.encodeToString(iv) + ".")
              .getBytes(StandardCharsets.US_ASCII));
      byte[] tag;
      // The encoder's stream is closed before the tag: a wrapper that leaves the file open.
      try (OutputStream ct =
          b64.wrap(
              new java.io.FilterOutputStream(raw) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                  out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                  flush();
                }
              })) {
        Random r = new Random(13);
        byte[] chunk = new byte[1 << 20];
        byte[] out = new byte[(1 << 20) + 64];
        long left = size;
        while (left > 0) {
          int n = (int) Math.min(chunk.length, left);
          r.nextBytes(chunk);
          sha.update(chunk, 0, n);
          int m = gcm.processBytes(chunk, 0, n, out, 0);
          ct.write(out, 0, m);
          left -= n;
        }
        int m = gcm.doFinal(out, 0);
        ct.write(out, 0, m - 16);
        tag = java.util.Arrays.copyOfRange(out, m - 16, m);
      }
      raw.write(("." + b64.encodeToString(tag)).getBytes(StandardCharsets.US_ASCII));
    }
    return java.util.HexFormat.of().formatHex(sha.digest());
  }

  static String sha256(Path file) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (var in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 20];
      int n;
      while ((n = in.read(buf)) > 0) {
        sha.update(buf, 0, n);
      }
    }
    return java.util.HexFormat.of().formatHex(sha.digest());
  }
}
