package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.storageinit.hf.TestHub;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real command against the test hub (routes, headers, a CDN on another origin, Range, error
 * codes, private and gated repositories, faults): what lands in DEST, where the token goes, and
 * what each failure means.
 */
class HfIT {
  static final String TOKEN = "hf_t3stT0kenValue9931";

  @TempDir Path tmp;
  TestHub hub;
  Path dest;

  @BeforeEach
  void start() throws Exception {
    hub = TestHub.start().token(TOKEN).lfsThreshold(100_000);
    dest = tmp.resolve("mnt/models");
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>();
    env.put("HF_ENDPOINT", hub.endpoint());
    env.put("STORAGE_RETRY_INITIAL_DELAY_MS", "10");
    // The generated weights are random bytes, not safetensors: the validators are not the subject.
    env.put("STORAGE_VALIDATORS", "none");
    // What KServe's webhook sets on every initializer: accepted, no effect.
    env.put("HF_HUB_ENABLE_HF_TRANSFER", "1");
    env.put("HF_XET_HIGH_PERFORMANCE", "1");
    env.put("HF_XET_NUM_CONCURRENT_RANGE_GETS", "8");
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  /** A model: config, tokenizer files and two LFS weights (one large enough to go in ranges). */
  static Map<String, TestHub.Content> model(long seed) {
    Map<String, TestHub.Content> files = new LinkedHashMap<>();
    files.put("config.json", TestHub.bytes(("{\"seed\": " + seed + "}").getBytes()));
    files.put("tokenizer/vocab.json", TestHub.generated(30_000, seed + 1));
    files.put("tokenizer/merges.txt", TestHub.generated(40_000, seed + 2));
    files.put("model-00001-of-00002.safetensors", TestHub.generated(3 << 20, seed + 3));
    files.put("model-00002-of-00002.safetensors", TestHub.generated(200_000, seed + 4));
    files.put("README.md", TestHub.bytes("# a model\n".getBytes()));
    return files;
  }

  static byte[] bytesOf(TestHub.Content c) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    c.write(out, 0, c.size());
    return out.toByteArray();
  }

  /** DEST holds exactly {@code files}, byte for byte, and nothing else. */
  void assertTree(Path dir, Map<String, TestHub.Content> files) throws Exception {
    Map<String, String> tree = Cli.tree(dir);
    assertThat(
            tree.entrySet().stream()
                .filter(e -> !e.getValue().equals("dir"))
                .map(Map.Entry::getKey))
        .containsExactlyInAnyOrderElementsOf(files.keySet());
    for (var f : files.entrySet()) {
      assertThat(Files.readAllBytes(dir.resolve(f.getKey())))
          .as(f.getKey())
          .isEqualTo(bytesOf(f.getValue()));
    }
  }

  @Test
  void aPublicModelLandsAsItsFilesWithNoCacheFolderAndTheTokenNeverReachesTheCdn()
      throws Exception {
    Map<String, TestHub.Content> files = model(1);
    hub.repo("acme/tiny").commit("main", files);
    Cli.Result r =
        Cli.run(
            env("HF_TOKEN", TOKEN, "STORAGE_PART_SIZE", "1MiB"), "hf://acme/tiny", dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertTree(dest, files);
    assertThat(dest.resolve(".cache")).doesNotExist();
    assertThat(r.output()).doesNotContain(TOKEN);
    assertThat(hub.requests())
        .filteredOn(s -> s.server().equals("cdn"))
        .isNotEmpty()
        .allMatch(s -> s.authorization() == null, "no request to the CDN carries the token");
    assertThat(hub.requests())
        .filteredOn(s -> s.server().equals("hub"))
        .allMatch(s -> ("Bearer " + TOKEN).equals(s.authorization()));
    // The large file came in ranges, from the CDN.
    assertThat(hub.requests()).filteredOn(s -> s.server().equals("cdn")).hasSizeGreaterThan(3);

    // A second run keeps every file: size and commit date match.
    Cli.Result again = Cli.run(env(), "hf://acme/tiny", dest.toString());
    assertThat(again.exitCode()).as(again.output()).isZero();
    assertThat(again.output()).contains("6 reused");
  }

  /**
   * The test hub held to a client we did not write: the official JS client ({@code
   * @huggingface/hub}, pinned in src/test/js, installed by {@code .ci/run} with {@code npm ci})
   * downloads the same repository, and the two trees must be identical.
   */
  @Test
  void theOfficialJsClientAndOurCommandGetIdenticalTreesFromTheTestHub() throws Exception {
    Path client = Path.of(System.getProperty("hub.client.dir", "src/test/js"));
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Files.isDirectory(client.resolve("node_modules/@huggingface/hub")),
        "@huggingface/hub is not installed (npm ci --prefix it-tests/src/test/js, which .ci/run does):"
            + " the JS-client check of the test hub is skipped");
    Map<String, TestHub.Content> files = model(60);
    files.put("nested/deeper/notes.txt", TestHub.bytes("a note".getBytes()));
    hub.repo("acme/both").gated(TOKEN).commit("main", files);
    Path js = tmp.resolve("js");
    Process node =
        new ProcessBuilder(
                "node",
                client.resolve("hub-download.mjs").toString(),
                hub.endpoint(),
                "acme/both",
                "main",
                js.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(node.getInputStream().readAllBytes());
    assertThat(node.waitFor()).as("the client without a token is refused: " + out).isNotZero();

    ProcessBuilder withToken =
        new ProcessBuilder(
                "node",
                client.resolve("hub-download.mjs").toString(),
                hub.endpoint(),
                "acme/both",
                "main",
                js.toString())
            .redirectErrorStream(true);
    withToken.environment().put("HF_TOKEN", TOKEN);
    Process granted = withToken.start();
    String said = new String(granted.getInputStream().readAllBytes());
    assertThat(granted.waitFor()).as(said).isZero();
    assertThat(said).contains(files.size() + " files");

    Cli.Result ours = Cli.run(env("HF_TOKEN", TOKEN), "hf://acme/both", dest.toString());
    assertThat(ours.exitCode()).as(ours.output()).isZero();
    assertThat(Cli.tree(dest)).isEqualTo(Cli.tree(js));
    assertTree(dest, files);
  }

  @Test
  void offlineARunKeepsWhatDestHoldsAndFailsWhenItHoldsNothing() throws Exception {
    Map<String, TestHub.Content> files = model(70);
    hub.repo("acme/offline").commit("main", files);
    assertThat(Cli.run(env(), "hf://acme/offline", dest.toString()).exitCode()).isZero();
    hub.close(); // no hub at all from here on
    Cli.Result kept = Cli.run(env("HF_HUB_OFFLINE", "1"), "hf://acme/offline", dest.toString());
    assertThat(kept.exitCode()).as(kept.output()).isZero();
    assertThat(kept.output())
        .contains("offline: hf://acme/offline is not fetched; keeping the 6 file(s)");
    assertTree(dest, files);
    Cli.Result nothing =
        Cli.run(env("HF_HUB_OFFLINE", "1"), "hf://acme/offline", tmp.resolve("empty").toString());
    assertThat(nothing.exitCode()).as(nothing.output()).isEqualTo(4);
    assertThat(nothing.output()).contains("HF_HUB_OFFLINE is set and DEST holds no model");
  }

  @Test
  void aRevisionIsABranchATagOrACommitAndEveryFileComesFromThatOneCommit() throws Exception {
    TestHub.Repo repo = hub.repo("acme/rev");
    Map<String, TestHub.Content> v1 = model(10);
    String first = repo.commit("main", v1);
    repo.ref("v1.0", first);
    Map<String, TestHub.Content> v2 = model(20);
    String second = repo.commit("main", v2);

    assertThat(Cli.run(env(), "hf://acme/rev:v1.0", tmp.resolve("tag").toString()).exitCode())
        .isZero();
    assertTree(tmp.resolve("tag"), v1);
    assertThat(
            Cli.run(env(), "hf://acme/rev:" + first, tmp.resolve("commit").toString()).exitCode())
        .isZero();
    assertTree(tmp.resolve("commit"), v1);

    // main moves back to the first commit after the run's first file: the run stays on its commit.
    hub.afterFirstDownload(() -> repo.ref("main", first));
    Cli.Result moving =
        Cli.run(env("STORAGE_CONCURRENCY", "1"), "hf://acme/rev", tmp.resolve("main").toString());
    assertThat(moving.exitCode()).as(moving.output()).isZero();
    assertTree(tmp.resolve("main"), v2);
    assertThat(second).isNotEqualTo(first);
  }

  @Test
  void aNewCommitThatKeepsAWeightFileDoesNotFetchItAgain() throws Exception {
    TestHub.Repo repo = hub.repo("acme/keep");
    Map<String, TestHub.Content> v1 = model(30);
    repo.commit("main", v1);
    assertThat(Cli.run(env(), "hf://acme/keep", dest.toString()).exitCode()).isZero();
    Map<String, TestHub.Content> v2 = new LinkedHashMap<>(v1);
    v2.put("config.json", TestHub.bytes("{\"seed\": 31}".getBytes()));
    repo.commit("main", v2);
    long before = hub.cdnBytesSent();
    Cli.Result r = Cli.run(env(), "hf://acme/keep", dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertTree(dest, v2);
    assertThat(hub.cdnBytesSent()).as("the LFS files matched their SHA-256").isEqualTo(before);
  }

  @Test
  void gatedPrivateAndMissingRepositoriesFailWithTheirOwnExitCodes() throws Exception {
    hub.repo("acme/gated").gated(TOKEN).commit("main", model(40));
    hub.repo("acme/private").makePrivate().commit("main", model(41));

    Cli.Result gated = Cli.run(env(), "hf://acme/gated", dest.toString());
    assertThat(gated.exitCode()).as(gated.output()).isEqualTo(3);
    assertThat(gated.output()).contains("GatedRepo").contains("set HF_TOKEN");

    Cli.Result granted = Cli.run(env("HF_TOKEN", TOKEN), "hf://acme/gated", dest.toString());
    assertThat(granted.exitCode()).as(granted.output()).isZero();

    Cli.Result refused =
        Cli.run(
            env("HF_TOKEN", "hf_wrongToken123"), "hf://acme/private", tmp.resolve("p").toString());
    assertThat(refused.exitCode()).as(refused.output()).isEqualTo(3);
    assertThat(refused.output()).contains("refused HF_TOKEN").doesNotContain("hf_wrongToken123");

    Cli.Result anonymous = Cli.run(env(), "hf://acme/private", tmp.resolve("p").toString());
    assertThat(anonymous.exitCode()).as(anonymous.output()).isEqualTo(4);
    assertThat(anonymous.output()).contains("set HF_TOKEN if it is private");

    Cli.Result missing =
        Cli.run(env("HF_TOKEN", TOKEN), "hf://acme/nothing", tmp.resolve("m").toString());
    assertThat(missing.exitCode()).as(missing.output()).isEqualTo(4);
    assertThat(missing.output()).contains("RepoNotFound").contains("no such repository");

    Cli.Result noRevision = Cli.run(env(), "hf://acme/gated:v9", tmp.resolve("m").toString());
    assertThat(noRevision.exitCode()).isEqualTo(3);
    Cli.Result badRevision =
        Cli.run(env("HF_TOKEN", TOKEN), "hf://acme/gated:v9", tmp.resolve("m").toString());
    assertThat(badRevision.exitCode()).as(badRevision.output()).isEqualTo(4);
    assertThat(badRevision.output())
        .contains("RevisionNotFound")
        .contains("no such branch, tag or commit");
    assertThat(Cli.tree(tmp.resolve("m"))).isEmpty();
  }

  @Test
  void aFileTheHubListsButCannotServeIsNotFoundNamingIt() throws Exception {
    TestHub.Repo repo = hub.repo("acme/gone");
    Map<String, TestHub.Content> files = model(45);
    String sha = repo.commit("main", files);
    // The hub loses a file after the listing: its resolve answers 404 EntryNotFound.
    hub.afterFirstDownload(() -> repo.forget(sha, "tokenizer/vocab.json"));
    Cli.Result r = Cli.run(env("STORAGE_CONCURRENCY", "1"), "hf://acme/gone", dest.toString());
    assertThat(r.exitCode()).as(r.output()).isEqualTo(4);
    assertThat(r.output())
        .contains("EntryNotFound")
        .contains("no such file at that commit")
        .contains("tokenizer/vocab.json");
    assertThat(dest.resolve("tokenizer/vocab.json")).doesNotExist();
  }

  @Test
  void uriFormsKServeRefusesAreRefused() throws Exception {
    for (String bad :
        new String[] {
          "hf://acme",
          "hf://acme/m/extra",
          "hf://acme/m/",
          "hf:///m",
          "hf://acme/:r",
          "hf://acme/m:"
        }) {
      Cli.Result r = Cli.run(env(), bad, dest.toString());
      assertThat(r.exitCode()).as(bad + ": " + r.output()).isEqualTo(2);
      assertThat(r.output()).contains("expected hf://owner/model or hf://owner/model:revision");
    }
  }

  @Test
  void patternsFollowTheHubLibraryAndThousandsOfFilesArePaged() throws Exception {
    Map<String, TestHub.Content> files = new LinkedHashMap<>();
    for (int i = 0; i < 3000; i++) {
      files.put(
          String.format("shards/s%04d.json", i), TestHub.bytes(("{\"i\": " + i + "}").getBytes()));
    }
    files.put("config.json", TestHub.bytes("{}".getBytes()));
    files.put("onnx/model.onnx", TestHub.generated(5000, 7));
    hub.pageSize(1000).repo("acme/many").commit("main", files);

    Cli.Result r = Cli.run(env(), "hf://acme/many", dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest.resolve("shards"))).hasSize(3000);
    assertThat(hub.requests())
        .filteredOn(s -> s.path().contains("/tree/"))
        .hasSizeGreaterThanOrEqualTo(4);

    Path some = tmp.resolve("some");
    Cli.Result filtered =
        Cli.run(
            env("STORAGE_ALLOW_PATTERNS", "*.json,onnx/", "STORAGE_IGNORE_PATTERNS", "shards/"),
            "hf://acme/many",
            some.toString());
    assertThat(filtered.exitCode()).as(filtered.output()).isZero();
    assertThat(Cli.tree(some)).containsOnlyKeys("config.json", "onnx", "onnx/model.onnx");
  }

  @Test
  void aCdnThatCutsOrStallsIsResumedAndTheFileLandsWhole() throws Exception {
    Map<String, TestHub.Content> files = model(50);
    hub.repo("acme/flaky").commit("main", files);
    hub.cutConnections(3, 100_000);
    Cli.Result cut = Cli.run(env("STORAGE_PART_SIZE", "1MiB"), "hf://acme/flaky", dest.toString());
    assertThat(cut.exitCode()).as(cut.output()).isZero();
    assertThat(cut.output()).contains("retrying");
    assertTree(dest, files);

    Path stalled = tmp.resolve("stalled");
    hub.drip(1, 50);
    Cli.Result slow =
        Cli.run(
            env("STORAGE_MIN_RATE", "64KiB", "STORAGE_MIN_RATE_WINDOW_SECONDS", "2"),
            "hf://acme/flaky",
            stalled.toString());
    assertThat(slow.exitCode()).as(slow.output()).isZero();
    assertThat(slow.output()).contains("STORAGE_MIN_RATE");
    assertTree(stalled, files);
  }

  @Test
  void aLargeLfsFileComesInParallelRangesAndIsCheckedAgainstItsSha256() throws Exception {
    long size = (2L << 30) + 12345;
    Map<String, TestHub.Content> files = new LinkedHashMap<>();
    files.put("config.json", TestHub.bytes("{}".getBytes()));
    files.put("model.safetensors", TestHub.generated(size, 99));
    hub.repo("acme/large").commit("main", files);
    Cli.Result r =
        Cli.run(env("STORAGE_PROGRESS_INTERVAL_SECONDS", "1"), "hf://acme/large", dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).as("progress lines, as for every store").contains("progress: ");
    assertThat(dest.resolve("model.safetensors")).hasSize(size);
    assertThat(hub.requests()).filteredOn(s -> s.server().equals("cdn")).hasSizeGreaterThan(16);
    // Byte-identical: the runtime checked the SHA-256 before the final rename; check a sample here
    // too.
    byte[] head = new byte[1 << 16];
    try (var in = Files.newInputStream(dest.resolve("model.safetensors"))) {
      in.readNBytes(head, 0, head.length);
    }
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    files.get("model.safetensors").write(expected, 0, head.length);
    assertThat(head).isEqualTo(expected.toByteArray());
  }
}
