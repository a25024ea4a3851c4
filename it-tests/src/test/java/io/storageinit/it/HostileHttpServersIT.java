package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.storageinit.http.TestHttpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The real command against HTTP(S) servers that misbehave as a hostile or broken server would:
 * redirects that would carry credentials where they do not belong, ranged answers of another range,
 * a body that trickles a byte at a time, and configured header values that would split a request.
 */
class HostileHttpServersIT extends HttpServerFixture {
  static final String TOKEN = "Bearer s3cr3t-t0ken-7731";

  /** The real command on {@code name} from the server into DEST, with {@link #env}. */
  Cli.Result fetch(String name, String... pairs) throws Exception {
    return Cli.run(env(pairs), server.url(name), dest.toString());
  }

  /** A run that failed with {@code exit}, saying {@code why}, with nothing under the final name. */
  void assertRefused(Cli.Result r, int exit, String why) {
    assertThat(r.exitCode()).as(r.output()).isEqualTo(exit);
    assertThat(r.output()).contains(why);
    assertThat(dest.resolve("model.bin")).doesNotExist();
  }

  /** Fast retries, so that a test of giving up takes seconds. */
  static Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>();
    env.put("STORAGE_RETRY_INITIAL_DELAY_MS", "10");
    env.put("STORAGE_RETRY_MAX_DELAY_MS", "50");
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  @Test
  void anHttpsToHttpRedirectWithCredentialsIsRefusedAndNothingGoesOutInClearText()
      throws Exception {
    TestCertificates certs = TestCertificates.create(tmp);
    Path plainRoot = Files.createDirectories(tmp.resolve("plain"));
    publish(plainRoot, "model.bin", 1000);
    try (TestHttpServer tls = TestHttpServer.startTls(www, certs.serverContext());
        TestHttpServer plain = TestHttpServer.start(plainRoot)) {
      tls.redirect("model.bin", "http://127.0.0.1:" + plain.port() + "/model.bin");
      Cli.Result r =
          Cli.run(
              env(
                  "STORAGE_HTTP_CA_BUNDLE",
                  certs.pem().toString(),
                  "127.0.0.1-headers",
                  "{\"Authorization\": \"" + TOKEN + "\"}"),
              tls.url("model.bin"),
              dest.toString());
      assertThat(r.exitCode()).as(r.output()).isEqualTo(2);
      assertThat(r.output()).contains("redirected from https to").contains("clear text");
      assertThat(r.output()).doesNotContain("s3cr3t");
      assertThat(plain.requests()).as("nothing was asked in clear text").isEmpty();
      assertThat(dest.resolve("model.bin")).doesNotExist();
    }
  }

  @Test
  void credentialsStayWithTheSchemeHostAndPortTheyWereGivenFor() throws Exception {
    Path otherRoot = Files.createDirectories(tmp.resolve("other"));
    byte[] data = publish(otherRoot, "model.bin", 5000);
    // The same host, another port: another origin.
    try (TestHttpServer otherPort = TestHttpServer.start(otherRoot)) {
      server.redirect("model.bin", "http://127.0.0.1:" + otherPort.port() + "/model.bin");
      Cli.Result r =
          fetch("model.bin", "127.0.0.1-headers", "{\"Authorization\": \"" + TOKEN + "\"}");
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(data);
      assertThat(server.requests())
          .isNotEmpty()
          .allMatch(s -> TOKEN.equals(s.header("Authorization")));
      assertThat(otherPort.requests())
          .isNotEmpty()
          .allMatch(s -> s.header("Authorization") == null);
    }
  }

  @Test
  void aRangedAnswerOfAnotherRangeIsRetriedAndNeverWrittenAtTheAskedOffset() throws Exception {
    byte[] data = publish(www, "model.bin", 3 << 20);
    server.shiftRanges(2);
    Cli.Result r = fetch("model.bin", "STORAGE_PART_SIZE", "256KiB", "STORAGE_CONCURRENCY", "2");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains("with Content-Range");
    assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(data);
  }

  @Test
  void aServerThatKeepsAnsweringAnotherRangeFailsAsAnIntegrityError() throws Exception {
    publish(www, "model.bin", 3 << 20);
    server.shiftRanges(1_000);
    Cli.Result r = fetch("model.bin", "STORAGE_PART_SIZE", "256KiB", "STORAGE_MAX_ATTEMPTS", "2");
    assertRefused(r, 6, "with Content-Range 'bytes ");
  }

  @Test
  void aServerThatTricklesBytesIsCutOffByTheMinimumRate() throws Exception {
    publish(www, "model.bin", 100_000);
    server.drip(200);
    long started = System.nanoTime();
    Cli.Result r =
        fetch(
            "model.bin",
            "STORAGE_MIN_RATE_WINDOW_SECONDS",
            "2",
            "STORAGE_MIN_RATE",
            "1KiB",
            "STORAGE_MAX_ATTEMPTS",
            "2");
    long seconds = (System.nanoTime() - started) / 1_000_000_000L;
    assertRefused(r, 5, "slower than STORAGE_MIN_RATE=1024 bytes/s");
    assertThat(seconds).as("bounded by the windows, not by the file").isLessThan(30);
  }

  @Test
  void theDeadlineEndsARunThatWouldGoOnForHours() throws Exception {
    publish(www, "model.bin", 100_000);
    server.drip(100);
    Cli.Result r = fetch("model.bin", "STORAGE_MIN_RATE", "0", "STORAGE_DEADLINE_SECONDS", "3");
    assertRefused(r, 5, "did not finish within STORAGE_DEADLINE_SECONDS=3");
  }

  @Test
  void aHeaderValueWithALineBreakIsAConfigErrorThatNamesTheVariableButNotTheValue()
      throws Exception {
    publish(www, "model.bin", 100);
    Cli.Result r =
        fetch(
            "model.bin",
            "127.0.0.1-headers",
            "{\"Authorization\": \"Bearer s3cr3t\\r\\nX-Injected: yes\"}");
    assertThat(r.exitCode()).as(r.output()).isEqualTo(2);
    assertThat(r.output())
        .contains("127.0.0.1-headers")
        .contains("Authorization")
        .contains("line break");
    assertThat(r.output()).doesNotContain("s3cr3t").doesNotContain("X-Injected");
    assertThat(server.requests()).isEmpty();
  }

  @Test
  void theSecretsOfASignedUrlNeverReachTheLog() throws Exception {
    byte[] data = publish("model.bin", 2000);
    String signed =
        server.url("model.bin")
            + "?X-Goog-Credential=sa-k3y-1d&X-Goog-Signature=5ig-abc123&api_key=ap1-k3y&x=1";
    Cli.Result r = Cli.run(env(), signed, dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(data);
    assertThat(r.output()).contains("X-Goog-Signature=****").contains("x=1");
    assertThat(r.output()).doesNotContain("5ig-abc123").doesNotContain("sa-k3y-1d");
    assertThat(r.output()).doesNotContain("ap1-k3y");
  }

  /** The name the initializer gives the unfinished file of {@code path} in its work folder. */
  static String hiddenName(String path, String suffix) throws Exception {
    byte[] h =
        java.security.MessageDigest.getInstance("SHA-256")
            .digest(path.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return java.util.HexFormat.of().formatHex(h, 0, 20) + suffix;
  }

  @Test
  void linksPlantedAtOurHiddenNamesAreNeverWrittenThrough() throws Exception {
    byte[] small = publish("config.json", 300);
    byte[] large = publish("model.bin", 3 << 20);
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Path victim = Files.writeString(outside.resolve("victim"), "outside DEST");
    Path victimParts = Files.writeString(outside.resolve("victim.parts"), "outside DEST");
    Path work = Files.createDirectories(dest.resolve(".storage-initializer-download"));
    Files.createSymbolicLink(work.resolve(hiddenName("config.json", ".partial")), victim);
    Files.createSymbolicLink(work.resolve(hiddenName("model.bin", ".partial")), victim);
    Files.createSymbolicLink(work.resolve(hiddenName("model.bin", ".parts")), victimParts);
    for (String name : java.util.List.of("config.json", "model.bin")) {
      Cli.Result r = fetch(name, "STORAGE_PART_SIZE", "256KiB");
      assertThat(r.exitCode()).as(r.output()).isZero();
    }
    assertThat(victim).hasContent("outside DEST");
    assertThat(victimParts).hasContent("outside DEST");
    assertThat(Files.readAllBytes(dest.resolve("config.json"))).isEqualTo(small);
    assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(large);
    assertThat(Cli.tree(dest)).containsOnlyKeys("config.json", "model.bin");
  }

  @Test
  void aLinkPlantedAtTheWorkFolderIsRemovedNotWrittenThrough() throws Exception {
    byte[] large = publish("model.bin", 3 << 20);
    Path outside = Files.createDirectories(tmp.resolve("outside-work"));
    Files.createDirectories(dest);
    Files.createSymbolicLink(dest.resolve(".storage-initializer-download"), outside);
    Cli.Result r = fetch("model.bin", "STORAGE_PART_SIZE", "256KiB");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(large);
    assertThat(Cli.tree(outside)).isEmpty();
    assertThat(Cli.tree(dest)).containsOnlyKeys("model.bin");
  }

  @Test
  void whatAKilledUnpackLeftInDestIsRemovedByTheNextRun() throws Exception {
    byte[] data = publish("model.bin", 1000);
    Path left = Files.createDirectories(dest.resolve(".storage-initializer-unpack-4242/model"));
    Files.writeString(left.resolve("half.bin"), "from a run killed mid-archive");
    Path outside = Files.createDirectories(tmp.resolve("outside-unpack"));
    Files.writeString(outside.resolve("keep"), "outside DEST");
    Files.createSymbolicLink(dest.resolve(".storage-initializer-unpack-link"), outside);
    Cli.Result r = fetch("model.bin");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(data);
    assertThat(dest.resolve(".storage-initializer-unpack-4242")).doesNotExist();
    assertThat(
            Files.exists(
                dest.resolve(".storage-initializer-unpack-link"),
                java.nio.file.LinkOption.NOFOLLOW_LINKS))
        .isFalse();
    assertThat(outside.resolve("keep")).hasContent("outside DEST");
  }

  @Test
  void aNameOfTheLongestLengthLinuxAllowsLandsAsItIs() throws Exception {
    // 255 bytes: legal, but ".<name>.partial.parts" (the hidden name of earlier builds) is not.
    String name = "m".repeat(244) + ".safetensor";
    assertThat(name.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSize(255);
    byte[] small = publish(name, 5000);
    String big = "b".repeat(250) + ".bin";
    byte[] large = publish(big, 3 << 20);
    for (String n : java.util.List.of(name, big)) {
      Cli.Result r = fetch(n, "STORAGE_PART_SIZE", "256KiB");
      assertThat(r.exitCode()).as(r.output()).isZero();
    }
    assertThat(Files.readAllBytes(dest.resolve(name))).isEqualTo(small);
    assertThat(Files.readAllBytes(dest.resolve(big))).isEqualTo(large);
    try (var left = Files.list(dest)) {
      assertThat(left).hasSize(2);
    }
  }

  @Test
  void theDeadlineAlsoEndsAListingThatNeverAnswers() throws Exception {
    try (SilentServer silent = new SilentServer()) {
      long started = System.nanoTime();
      Cli.Result r =
          Cli.run(
              env("STORAGE_DEADLINE_SECONDS", "2"),
              "http://127.0.0.1:" + silent.port() + "/model.bin",
              dest.toString());
      long seconds = (System.nanoTime() - started) / 1_000_000_000L;
      assertRefused(r, 5, "did not finish within STORAGE_DEADLINE_SECONDS=2");
      assertThat(seconds).as("the deadline, not the 60 s read timeout").isLessThan(20);
    }
  }
}
