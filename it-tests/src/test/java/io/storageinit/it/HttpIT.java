package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.storageinit.http.TestHttpServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The real command against a real HTTP server, with the faults a download meets. */
class HttpIT extends HttpServerFixture {

  @Test
  void aFileLandsUnderItsBaseNameByteForByte() throws Exception {
    byte[] data = publish("model.bin", 300_000);
    Cli.Result r = fetch(Map.of(), "model.bin");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest)).containsExactly(Map.entry("model.bin", "file 300000"));
    assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(data);
  }

  @Test
  void aLargeFileIsFetchedInParallelRanges() throws Exception {
    byte[] data = publish("big.bin", 20 * 1024 * 1024 + 5);
    Cli.Result r = fetch(Map.of("STORAGE_PART_SIZE", "1MiB"), "big.bin");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Files.readAllBytes(dest.resolve("big.bin"))).isEqualTo(data);
    long ranged =
        server.requests().stream()
            .filter(s -> s.header("Range") != null && !s.header("Range").equals("bytes=0-0"))
            .count();
    assertThat(ranged).isEqualTo(21);
  }

  @Test
  void withoutRangeSupportTheFileIsStreamedWhole() throws Exception {
    server.ranges(false);
    byte[] data = publish("big.bin", 5 * 1024 * 1024);
    Cli.Result r = fetch(Map.of("STORAGE_PART_SIZE", "1MiB"), "big.bin");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Files.readAllBytes(dest.resolve("big.bin"))).isEqualTo(data);
    // One probe, one whole-body GET.
    assertThat(server.requests()).hasSize(2);
  }

  @Test
  void anEmptyFileIsAModelFile() throws Exception {
    publish("empty.bin", 0);
    Cli.Result r = fetch(Map.of(), "empty.bin");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest)).containsExactly(Map.entry("empty.bin", "file 0"));
  }

  @Test
  void notFoundFailsWithTheUrlAndCode() throws Exception {
    Cli.Result r = fetch(Map.of(), "missing.bin");
    assertThat(r.exitCode()).isEqualTo(4);
    assertThat(r.output())
        .contains("URI: " + server.url("missing.bin") + " returned a 404 response code");
    assertThat(Cli.tree(dest)).isEmpty();
  }

  @Test
  void credentialsComeFromTheHostHeadersVariable() throws Exception {
    server.requireAuthorization("Bearer s3cr3t-t0ken");
    byte[] data = publish("model.bin", 1000);
    Cli.Result denied = fetch(Map.of(), "model.bin");
    assertThat(denied.exitCode()).isEqualTo(3);
    assertThat(denied.output()).contains("401").contains("127.0.0.1-headers");

    Cli.Result ok =
        fetch(
            Map.of("127.0.0.1-headers", "{\"Authorization\": \"Bearer s3cr3t-t0ken\"}"),
            "model.bin");
    assertThat(ok.exitCode()).as(ok.output()).isZero();
    assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(data);
    assertThat(ok.output()).doesNotContain("s3cr3t-t0ken");
  }

  @Test
  void credentialsAreNotSentToAnotherHostAfterARedirect() throws Exception {
    Path other = Files.createDirectories(tmp.resolve("other"));
    byte[] data = new byte[5000];
    new Random(1).nextBytes(data);
    Files.write(other.resolve("model.bin"), data);
    try (TestHttpServer cdn = TestHttpServer.start(other)) {
      String elsewhere = "http://localhost:" + cdn.port() + "/model.bin";
      server.redirect("model.bin", elsewhere);
      Cli.Result r =
          fetch(
              Map.of("127.0.0.1-headers", "{\"Authorization\": \"Bearer for-origin-only\"}"),
              "model.bin");
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(data);
      assertThat(server.requests())
          .allMatch(s -> "Bearer for-origin-only".equals(s.header("Authorization")));
      assertThat(cdn.requests()).isNotEmpty().allMatch(s -> s.header("Authorization") == null);
    }
  }

  @Test
  void theEnvironmentsProxyIsUsedExceptForNoProxyHosts() throws Exception {
    byte[] data = publish("model.bin", 200_000);
    try (TestHttpServer proxy = TestHttpServer.start(www)) {
      String via = "http://127.0.0.1:" + proxy.port();
      Cli.Result r = fetch(Map.of("HTTP_PROXY", via), "model.bin");
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(data);
      assertThat(proxy.requests()).isNotEmpty();
      assertThat(server.requests()).isEmpty();

      int before = proxy.requests().size();
      Cli.Result direct =
          Cli.run(
              Map.of("http_proxy", via, "NO_PROXY", "localhost,127.0.0.1"),
              server.url("model.bin"),
              tmp.resolve("direct").toString());
      assertThat(direct.exitCode()).as(direct.output()).isZero();
      assertThat(proxy.requests()).hasSize(before);
      assertThat(server.requests()).isNotEmpty();
    }
  }

  @Test
  void connectionsResetMidBodyAreResumed() throws Exception {
    byte[] data = publish("model.bin", 6 * 1024 * 1024);
    server.resetConnections(4, 300_000);
    Cli.Result r =
        fetch(
            Map.of("STORAGE_PART_SIZE", "1MiB", "STORAGE_RETRY_INITIAL_DELAY_MS", "10"),
            "model.bin");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(data);
    assertThat(r.output()).contains("retrying model.bin");
    // Resumed, not restarted: the server sent little more than the file.
    assertThat(server.bodyBytesSent()).isLessThan(data.length + 4 * 300_000L + 10);
  }

  @Test
  void aResetOnAServerWithoutRangesRestartsTheFile() throws Exception {
    server.ranges(false);
    byte[] data = publish("model.bin", 2 * 1024 * 1024);
    server.resetConnections(2, 500_000);
    Cli.Result r = fetch(Map.of("STORAGE_RETRY_INITIAL_DELAY_MS", "10"), "model.bin");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(data);
  }

  @Test
  void unavailableWithRetryAfterIsWaitedOut() throws Exception {
    byte[] data = publish("model.bin", 100_000);
    server.unavailable(2, 1);
    long start = System.nanoTime();
    Cli.Result r = fetch(Map.of(), "model.bin");
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(data);
    assertThat(seconds).isGreaterThanOrEqualTo(2);
  }

  @Test
  void retriesAreBoundedAndTheFailureIsClear() throws Exception {
    publish("model.bin", 1000);
    server.unavailable(100, 0);
    Cli.Result r =
        fetch(
            Map.of("STORAGE_MAX_ATTEMPTS", "3", "STORAGE_RETRY_INITIAL_DELAY_MS", "1"),
            "model.bin");
    assertThat(r.exitCode()).isEqualTo(5);
    assertThat(r.output()).contains("503");
    assertThat(server.requests()).hasSize(3);
  }

  @Test
  void aWrongContentTypeIsRefusedAsKServeDoes() throws Exception {
    publish("model.bin", 10);
    server.contentType("model.bin", "text/html");
    Cli.Result r = fetch(Map.of(), "model.bin");
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.output())
        .contains("did not respond with 'Content-Type': 'application/octet-stream'");
    assertThat(Cli.tree(dest)).isEmpty();
  }

  @Test
  void aUrlWithoutAFileNameIsRefused() throws Exception {
    Cli.Result r = Cli.run(Map.of(), server.url(""), dest.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.output()).contains("No filename contained in URI");
  }

  @Test
  void killedMidDownloadThenRerunCompletesReusingFinishedParts() throws Exception {
    byte[] data = publish("model.bin", 24 * 1024 * 1024);
    server.throttle(2 * 1024 * 1024);
    Map<String, String> env = Map.of("STORAGE_PART_SIZE", "1MiB", "STORAGE_CONCURRENCY", "4");
    Process p = Cli.start(env, server.url("model.bin"), dest.toString());
    // Unfinished files live in the work folder under hashed names: the parts record and the data.
    Path work = dest.resolve(".storage-initializer-download");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (partsRecorded(work) < 5 && System.nanoTime() < deadline) {
      assertThat(p.isAlive()).isTrue();
      Thread.onSpinWait();
    }
    p.destroyForcibly().waitFor();
    assertThat(dest.resolve("model.bin")).doesNotExist();
    assertThat(Cli.tree(work).keySet())
        .anyMatch(n -> n.endsWith(".partial"))
        .anyMatch(n -> n.endsWith(".parts"));

    server.throttle(0);
    long sentBefore = server.bodyBytesSent();
    Cli.Result r = Cli.run(env, server.url("model.bin"), dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains("resuming");
    assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(data);
    assertThat(server.bodyBytesSent() - sentBefore).isLessThan(data.length - 3L * 1024 * 1024);
    assertThat(Cli.tree(dest)).containsOnlyKeys("model.bin");
  }

  /** How many finished parts the work folder's parts record lists (0 while there is none). */
  private static int partsRecorded(Path work) throws java.io.IOException {
    if (!Files.isDirectory(work)) {
      return 0;
    }
    try (var files = Files.list(work)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".parts")).toList()) {
        return Files.readAllLines(f).size() - 1;
      }
    }
    return 0;
  }

  @Test
  void aSecondRunOfAnUnchangedFileTransfersNothing() throws Exception {
    publish("model.bin", 500_000);
    assertThat(fetch(Map.of(), "model.bin").exitCode()).isZero();
    long sent = server.bodyBytesSent();
    Cli.Result again = fetch(Map.of(), "model.bin");
    assertThat(again.exitCode()).isZero();
    assertThat(again.output()).contains("1 reused");
    assertThat(server.bodyBytesSent() - sent).isLessThanOrEqualTo(1);
  }

  @Nested
  class Archives {
    final Map<String, String> model =
        new TreeMap<>(Map.of("model/config.json", "{\"a\":1}", "model/weights.bin", "0123456789"));

    void assertUnpacked(Cli.Result r) throws Exception {
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(Cli.tree(dest))
          .containsExactlyEntriesOf(
              new TreeMap<>(
                  Map.of(
                      "model",
                      "dir",
                      "model/config.json",
                      "file 7",
                      "model/weights.bin",
                      "file 10")));
    }

    @Test
    void tar() throws Exception {
      TestArchives.tar(www.resolve("m.tar"), model);
      assertUnpacked(fetch(Map.of(), "m.tar"));
    }

    @Test
    void tarGz() throws Exception {
      TestArchives.tar(www.resolve("m.tar.gz"), model);
      assertUnpacked(fetch(Map.of(), "m.tar.gz"));
    }

    @Test
    void tgz() throws Exception {
      TestArchives.tar(www.resolve("m.tgz"), model);
      assertUnpacked(fetch(Map.of(), "m.tgz"));
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(
        strings = {"m.tar.bz2", "m.tbz2", "m.tar.xz", "m.txz", "m.taz", "m.tz"})
    void everyTarSuffixKServeUnpacks(String name) throws Exception {
      TestArchives.tar(www.resolve(name), model);
      server.contentType(name, "application/x-tar");
      assertUnpacked(fetch(Map.of(), name));
    }

    @Test
    void zip() throws Exception {
      Map<String, byte[]> files = new LinkedHashMap<>();
      model.forEach((k, v) -> files.put(k, v.getBytes(StandardCharsets.UTF_8)));
      TestArchives.zip(www.resolve("m.zip"), files);
      assertUnpacked(fetch(Map.of(), "m.zip"));
    }

    @Test
    void aZipServedAsOctetStreamIsRefusedAsKServeDoes() throws Exception {
      TestArchives.zip(www.resolve("m.zip"), Map.of("a", new byte[1]));
      server.contentType("m.zip", "application/octet-stream");
      Cli.Result r = fetch(Map.of(), "m.zip");
      assertThat(r.exitCode()).isNotZero();
      assertThat(r.output()).contains("application/zip");
    }
  }

  /** Each hostile archive fails the run, writes nothing outside DEST and leaves DEST as it was. */
  @Nested
  class HostileArchives {
    Path outside;

    @BeforeEach
    void existingModel() throws Exception {
      Files.createDirectories(dest);
      Files.writeString(dest.resolve("keep.txt"), "from before");
      outside = tmp.resolve("mnt/evil.txt");
    }

    void assertRefused(String name, String reason) throws Exception {
      assertRefused(Map.of(), name, reason);
    }

    void assertRefused(Map<String, String> env, String name, String reason) throws Exception {
      Cli.Result r = fetch(env, name);
      assertThat(r.exitCode()).as(r.output()).isEqualTo(6);
      assertThat(r.output()).contains(reason);
      assertThat(Cli.tree(dest)).containsExactly(Map.entry("keep.txt", "file 11"));
      assertThat(outside).doesNotExist();
      assertThat(tmp.resolve("evil.txt")).doesNotExist();
    }

    @Test
    void zipSlip() throws Exception {
      TestArchives.zip(
          www.resolve("m.zip"), Map.of("ok.txt", new byte[3], "../evil.txt", new byte[3]));
      assertRefused("m.zip", "climbs out of the destination");
    }

    @Test
    void tarWithDotDot() throws Exception {
      TestArchives.tar(
          www.resolve("m.tar"), new TreeMap<>(Map.of("a.txt", "a", "x/../../evil.txt", "evil")));
      assertRefused("m.tar", "climbs out of the destination");
    }

    @Test
    void tarWithAbsolutePath() throws Exception {
      TestArchives.tar(
          www.resolve("m.tar"),
          tar -> TestArchives.addFile(tar, outside.toString(), "evil".getBytes()));
      assertRefused("m.tar", "absolute path");
    }

    @Test
    void tarSymlinkOutThenWriteThroughIt() throws Exception {
      TestArchives.tar(
          www.resolve("m.tar.gz"),
          tar -> {
            TestArchives.addLink(tar, "link", "../..", TarConstants.LF_SYMLINK);
            TestArchives.addFile(tar, "link/evil.txt", "evil".getBytes());
          });
      assertRefused("m.tar.gz", "points outside the destination");
    }

    @Test
    void tarAbsoluteSymlink() throws Exception {
      TestArchives.tar(
          www.resolve("m.tar"),
          tar -> TestArchives.addLink(tar, "passwd", "/etc/passwd", TarConstants.LF_SYMLINK));
      assertRefused("m.tar", "points to the absolute path");
    }

    @Test
    void tarHardLinkOut() throws Exception {
      TestArchives.tar(
          www.resolve("m.tar"),
          tar -> TestArchives.addLink(tar, "h", "../../../etc/passwd", TarConstants.LF_LINK));
      assertRefused("m.tar", "climbs out");
    }

    @Test
    void tarDeviceFile() throws Exception {
      TestArchives.tar(
          www.resolve("m.tar"), tar -> TestArchives.addSpecial(tar, "null", TarConstants.LF_CHR));
      assertRefused("m.tar", "device file");
    }

    @Test
    void zipSymlinkOut() throws Exception {
      TestArchives.zipWithSymlink(www.resolve("m.zip"), "link", "../../..");
      assertRefused("m.zip", "points outside the destination");
    }

    @Test
    void zipBomb() throws Exception {
      TestArchives.zip(www.resolve("m.zip"), Map.of("zeros.bin", new byte[20 * 1024 * 1024]));
      assertRefused(Map.of("STORAGE_ARCHIVE_MAX_BYTES", "8MiB"), "m.zip", "decompression bomb");
    }

    @Test
    void tooManyEntries() throws Exception {
      Map<String, String> many = new TreeMap<>();
      for (int i = 0; i < 50; i++) {
        many.put("f" + i, "x");
      }
      TestArchives.tar(www.resolve("m.tar"), many);
      assertRefused(Map.of("STORAGE_ARCHIVE_MAX_ENTRIES", "10"), "m.tar", "more than 10 entries");
    }

    @Test
    void truncatedTarGz() throws Exception {
      byte[] big = new byte[400_000];
      new Random(3).nextBytes(big);
      Path full =
          TestArchives.tar(
              tmp.resolve("full.tar.gz"), tar -> TestArchives.addFile(tar, "w.bin", big));
      byte[] bytes = Files.readAllBytes(full);
      Files.write(www.resolve("m.tar.gz"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
      assertRefused("m.tar.gz", "truncated or not a valid tar archive");
    }
  }
}
