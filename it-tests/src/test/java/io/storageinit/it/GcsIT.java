package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.storageinit.gcs.GcsEmulator;
import io.storageinit.s3.ResettingProxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real command against Google's Cloud Storage emulator: folders, objects, the bucket root,
 * pages, archives, the credential paths (a service account's key against a token endpoint that
 * checks its signature, the metadata server), refusals, cut connections and a file replaced
 * mid-download.
 */
class GcsIT {
  static GcsEmulator emulator;

  @TempDir Path tmp;
  String bucket;
  Path dest;

  @BeforeAll
  static void startEmulator() throws Exception {
    assumeTrue(GcsEmulator.installed(), GcsEmulator.NOT_INSTALLED);
    emulator = GcsEmulator.start();
  }

  @AfterAll
  static void stopEmulator() {
    if (emulator != null) {
      emulator.close();
    }
  }

  @BeforeEach
  void bucket() {
    bucket = "it-" + UUID.randomUUID().toString().substring(0, 8);
    dest = tmp.resolve("mnt/models");
  }

  Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>();
    env.put("STORAGE_EMULATOR_HOST", emulator.endpoint());
    env.put("STORAGE_VALIDATORS", "none");
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  void put(String name, byte[] data) {
    emulator.put(bucket, name, data);
  }

  void put(String name, String text) {
    put(name, text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aFolderLandsWithItsNestedPathsAndEmptyObjectsButNoSiblingsOrMarkers() throws Exception {
    byte[] weights = random(3 * 1024 * 1024 + 7, 1);
    put("models/v1/config.json", "{}");
    put("models/v1/sub/weights.bin", weights);
    put("models/v1/empty.txt", new byte[0]);
    put("models/v1/folder/", new byte[0]);
    put("models/v10/leak.bin", "sibling");
    put("models/v1.bin", "sibling object");
    Cli.Result r =
        Cli.run(env("STORAGE_PART_SIZE", "1MiB"), "gs://" + bucket + "/models/v1", dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest))
        .containsOnlyKeys("config.json", "empty.txt", "sub", "sub/weights.bin");
    assertThat(Files.readAllBytes(dest.resolve("sub/weights.bin"))).isEqualTo(weights);
    assertThat(dest.resolve("empty.txt")).isEmptyFile();
    // The same with a trailing slash.
    Path again = tmp.resolve("again");
    assertThat(Cli.run(env(), "gs://" + bucket + "/models/v1/", again.toString()).exitCode())
        .isZero();
    assertThat(Cli.tree(again)).isEqualTo(Cli.tree(dest));
  }

  @Test
  void oneObjectLandsUnderItsBaseNameAndTheBucketRootIsEverything() throws Exception {
    put("models/v1/config.json", "{\"a\": 1}");
    put("top.txt", "top");
    Cli.Result one = Cli.run(env(), "gs://" + bucket + "/models/v1/config.json", dest.toString());
    assertThat(one.exitCode()).as(one.output()).isZero();
    assertThat(Cli.tree(dest)).containsOnlyKeys("config.json");
    assertThat(dest.resolve("config.json")).hasContent("{\"a\": 1}");

    Path root = tmp.resolve("root");
    Cli.Result all = Cli.run(env(), "gs://" + bucket, root.toString());
    assertThat(all.exitCode()).as(all.output()).isZero();
    assertThat(Cli.tree(root))
        .containsOnlyKeys("top.txt", "models", "models/v1", "models/v1/config.json");
  }

  @Test
  void twoThousandObjectsArriveOverThreePages() throws Exception {
    int n = 2100;
    ExecutorService seeders = Executors.newFixedThreadPool(8);
    try {
      List<Future<Long>> seeded = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) {
        String name = String.format("many/f%05d.txt", i);
        byte[] body = ("file " + i).getBytes(StandardCharsets.UTF_8);
        seeded.add(seeders.submit(() -> emulator.put(bucket, name, body)));
      }
      for (Future<Long> f : seeded) {
        f.get();
      }
    } finally {
      seeders.shutdown();
    }
    Cli.Result r = Cli.run(env(), "gs://" + bucket + "/many", dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest)).hasSize(n);
    assertThat(dest.resolve("f02099.txt")).hasContent("file 2099");
  }

  @Test
  void eachKindOfArchiveIsUnpackedIntoDest() throws Exception {
    Map<String, String> files = Map.of("model/config.json", "{}", "model/w.bin", "0123");
    for (String name : List.of("m.tar", "m.tar.gz", "m.tgz", "m.tar.bz2", "m.tar.xz")) {
      put(
          "packed-" + name + "/" + name,
          Files.readAllBytes(TestArchives.tar(tmp.resolve(name), files)));
    }
    Map<String, byte[]> zipped = new LinkedHashMap<>();
    zipped.put("model/config.json", "{}".getBytes());
    zipped.put("model/w.bin", "0123".getBytes());
    put("packed-m.zip/m.zip", Files.readAllBytes(TestArchives.zip(tmp.resolve("m.zip"), zipped)));
    for (String name : List.of("m.tar", "m.tar.gz", "m.tgz", "m.tar.bz2", "m.tar.xz", "m.zip")) {
      Path to = tmp.resolve("out-" + name);
      Cli.Result r = Cli.run(env(), "gs://" + bucket + "/packed-" + name, to.toString());
      assertThat(r.exitCode()).as(name + ": " + r.output()).isZero();
      assertThat(Cli.tree(to))
          .as(name)
          .containsOnlyKeys("model", "model/config.json", "model/w.bin");
      assertThat(to.resolve("model/w.bin")).hasContent("0123");
    }
  }

  @Test
  void nothingThereIsExitFourAndABadBucketNameIsExitTwo() throws Exception {
    put("models/v1/folder/", new byte[0]);
    Cli.Result missing = Cli.run(env(), "gs://" + bucket + "/models/v2", dest.toString());
    assertThat(missing.exitCode()).as(missing.output()).isEqualTo(4);
    assertThat(missing.output()).contains("Nothing at gs://" + bucket + "/models/v2");
    Cli.Result markers = Cli.run(env(), "gs://" + bucket + "/models/v1", dest.toString());
    assertThat(markers.exitCode()).as(markers.output()).isEqualTo(4);
    Cli.Result bad = Cli.run(env(), "gs://No_Such/x", dest.toString());
    assertThat(bad.exitCode()).as(bad.output()).isEqualTo(2);
    assertThat(bad.output()).contains("is not a bucket name");
    assertThat(Cli.tree(dest)).isEmpty();
  }

  @Test
  void aServiceAccountKeyGetsATokenThatOnlyTheStoreSees() throws Exception {
    put("m/model.bin", random(2 * 1024 * 1024, 5));
    try (GoogleServers.TokenEndpoint tokens = new GoogleServers.TokenEndpoint();
        ForwardingFront front =
            new ForwardingFront(emulator.endpoint()).require("Bearer " + tokens.accessToken)) {
      Path key = tokens.keyFile(tmp.resolve("gcloud-application-credentials.json"));
      Map<String, String> env = env("GOOGLE_APPLICATION_CREDENTIALS", key.toString());
      env.remove("STORAGE_EMULATOR_HOST");
      env.put("GCS_ENDPOINT", front.endpoint());
      env.put("STORAGE_PART_SIZE", "1MiB");
      Cli.Result r = Cli.run(env, "gs://" + bucket + "/m", dest.toString());
      assertThat(tokens.refusals).isEmpty();
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(tokens.granted.get()).isPositive();
      assertThat(front.authorizations)
          .isNotEmpty()
          .allMatch(a -> a.equals("Bearer " + tokens.accessToken));
      assertThat(r.output()).doesNotContain(tokens.accessToken).doesNotContain("PRIVATE KEY");
      assertThat(dest.resolve("model.bin")).hasSize(2 * 1024 * 1024);

      // The token endpoint refuses the key: exit 3, and still nothing secret in the output.
      tokens.refuseAll = true;
      Path refused = tmp.resolve("refused");
      Cli.Result no = Cli.run(env, "gs://" + bucket + "/m", refused.toString());
      assertThat(no.exitCode()).as(no.output()).isEqualTo(3);
      assertThat(no.output())
          .contains("Cannot get an access token")
          .contains("invalid_grant")
          .doesNotContain("PRIVATE KEY");
      assertThat(Cli.tree(refused)).isEmpty();
    }
  }

  @Test
  void theMetadataServerGivesTheTokenWhenNoKeyIsMounted() throws Exception {
    put("m/model.bin", "weights");
    try (GoogleServers.MetadataServer metadata = new GoogleServers.MetadataServer();
        ForwardingFront front =
            new ForwardingFront(emulator.endpoint()).require("Bearer " + metadata.accessToken)) {
      Map<String, String> env = env("GCE_METADATA_HOST", metadata.host(), "HOME", tmp.toString());
      env.remove("STORAGE_EMULATOR_HOST");
      env.put("GCS_ENDPOINT", front.endpoint());
      Cli.Result r = Cli.run(env, "gs://" + bucket + "/m", dest.toString());
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(metadata.tokens.get()).isPositive();
      assertThat(front.authorizations).allMatch(a -> a.equals("Bearer " + metadata.accessToken));
      assertThat(dest.resolve("model.bin")).hasContent("weights");
    }
  }

  @Test
  void aStoreThatRefusesTheRequestIsExitThree() throws Exception {
    put("m/model.bin", "weights");
    try (ForwardingFront front =
        new ForwardingFront(emulator.endpoint()).require("Bearer a-token-nobody-has")) {
      Map<String, String> env = env("STORAGE_EMULATOR_HOST", front.endpoint());
      Cli.Result r = Cli.run(env, "gs://" + bucket + "/m", dest.toString());
      assertThat(r.exitCode()).as(r.output()).isEqualTo(3);
      assertThat(r.output()).contains("answered 401").contains("Invalid Credentials");
      assertThat(Cli.tree(dest)).isEmpty();
    }
  }

  @Test
  void connectionsCutMidTransferAreResumedByteForByte() throws Exception {
    byte[] data = random(6 * 1024 * 1024 + 3, 9);
    put("big/model.bin", data);
    try (ResettingProxy proxy = new ResettingProxy(emulator.port())) {
      proxy.cut(3, 400_000);
      Cli.Result r =
          Cli.run(
              env(
                  "STORAGE_EMULATOR_HOST",
                  "127.0.0.1:" + proxy.port(),
                  "STORAGE_PART_SIZE",
                  "1MiB",
                  "STORAGE_RETRY_INITIAL_DELAY_MS",
                  "10"),
              "gs://" + bucket + "/big",
              dest.toString());
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(proxy.cuts()).as(r.output()).isBetween(1, 3);
      assertThat(r.output()).contains("retrying");
      assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(data);
    }
  }

  @Test
  void anObjectReplacedMidDownloadIsRefusedNotStitched() throws Exception {
    byte[] first = random(4 * 1024 * 1024, 11);
    byte[] second = random(4 * 1024 * 1024, 12);
    put("moving/model.bin", first);
    try (ForwardingFront front =
        new ForwardingFront(emulator.endpoint())
            .beforeSecondRead("alt=media", () -> put("moving/model.bin", second))) {
      Cli.Result r =
          Cli.run(
              env(
                  "STORAGE_EMULATOR_HOST",
                  front.endpoint(),
                  "STORAGE_PART_SIZE",
                  "1MiB",
                  "STORAGE_CONCURRENCY",
                  "1"),
              "gs://" + bucket + "/moving",
              dest.toString());
      assertThat(r.exitCode()).as(r.output()).isEqualTo(6);
      assertThat(r.output()).contains("changed in the store during the transfer");
      assertThat(dest.resolve("model.bin")).doesNotExist();
    }
  }
}
