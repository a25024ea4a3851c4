package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.storageinit.modelscope.TestModelScope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real command against the ModelScope test hub: the tree, the revision, the token, errors. */
class ModelScopeIT {
  static final String TOKEN = "ms-t0ken-4417";

  @TempDir Path tmp;
  TestModelScope hub;
  Path dest;

  @BeforeEach
  void start() throws Exception {
    hub = TestModelScope.start().token(TOKEN);
    dest = tmp.resolve("mnt/models");
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>();
    env.put("MODELSCOPE_ENDPOINT", hub.endpoint());
    env.put("STORAGE_VALIDATORS", "none");
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  static Map<String, byte[]> model(long seed) {
    Random r = new Random(seed);
    byte[] weights = new byte[3 << 20];
    r.nextBytes(weights);
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("configuration.json", ("{\"seed\": " + seed + "}").getBytes());
    files.put("model.bin", weights);
    files.put("tokenizer/vocab.txt", ("vocab " + seed).getBytes());
    return files;
  }

  void assertTree(Path dir, Map<String, byte[]> files) throws Exception {
    assertThat(
            Cli.tree(dir).entrySet().stream()
                .filter(e -> !e.getValue().equals("dir"))
                .map(Map.Entry::getKey))
        .containsExactlyInAnyOrderElementsOf(files.keySet());
    for (var f : files.entrySet()) {
      assertThat(Files.readAllBytes(dir.resolve(f.getKey())))
          .as(f.getKey())
          .isEqualTo(f.getValue());
    }
  }

  @Test
  void aModelLandsAsItsFilesFromOneCommitAndTheTokenStaysWithTheHub() throws Exception {
    Map<String, byte[]> files = model(1);
    Map<String, byte[]> inRepo = new LinkedHashMap<>(files);
    inRepo.put(".gitattributes", "*.bin filter=lfs".getBytes());
    String commit = hub.repo("acme/m").commit("master", inRepo);
    Cli.Result r =
        Cli.run(
            env("MODELSCOPE_API_TOKEN", TOKEN, "STORAGE_PART_SIZE", "1MiB"),
            "modelscope://acme/m",
            dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    // As the hub's library: the repository's files without .gitattributes and .gitignore.
    assertTree(dest, files);
    assertThat(r.output()).doesNotContain(TOKEN);
    assertThat(hub.requests())
        .filteredOn(s -> s.server().equals("cdn"))
        .isNotEmpty()
        .allMatch(s -> s.cookie() == null, "the CDN never gets the session cookie");
    assertThat(hub.requests())
        .filteredOn(s -> s.server().equals("hub") && s.pathAndQuery().contains("FilePath="))
        .isNotEmpty()
        .allMatch(
            s -> s.pathAndQuery().contains("Revision=" + commit), "every read names the commit")
        .allMatch(s -> ("m_session_id=" + TOKEN).equals(s.cookie()));
  }

  @Test
  void aTagOrACommitNamesTheRevision() throws Exception {
    TestModelScope.Repo repo = hub.repo("acme/rev");
    Map<String, byte[]> v1 = model(10);
    String first = repo.commit("master", v1);
    repo.tag("v1.0.0", first);
    repo.commit("master", model(11));
    assertThat(
            Cli.run(env(), "modelscope://acme/rev:v1.0.0", tmp.resolve("tag").toString())
                .exitCode())
        .isZero();
    assertTree(tmp.resolve("tag"), v1);
    assertThat(
            Cli.run(env(), "modelscope://acme/rev:" + first, tmp.resolve("c").toString())
                .exitCode())
        .isZero();
    assertTree(tmp.resolve("c"), v1);
    Cli.Result missing = Cli.run(env(), "modelscope://acme/rev:v9", tmp.resolve("m").toString());
    assertThat(missing.exitCode()).as(missing.output()).isEqualTo(4);
    assertThat(missing.output()).contains("no branch or tag 'v9'");
  }

  @Test
  void privateAndMissingModelsAndBadUrisFailWithTheirOwnExitCodes() throws Exception {
    hub.repo("acme/private").makePrivate().commit("master", model(20));
    Cli.Result anonymous = Cli.run(env(), "modelscope://acme/private", dest.toString());
    assertThat(anonymous.exitCode()).as(anonymous.output()).isEqualTo(4);
    assertThat(anonymous.output()).contains("set MODELSCOPE_API_TOKEN");
    Cli.Result wrong =
        Cli.run(
            env("MODELSCOPE_API_TOKEN", "ms-wrong-1"),
            "modelscope://acme/private",
            dest.toString());
    assertThat(wrong.exitCode()).as(wrong.output()).isEqualTo(3);
    assertThat(wrong.output()).doesNotContain("ms-wrong-1");
    Cli.Result granted =
        Cli.run(env("MODELSCOPE_API_TOKEN", TOKEN), "modelscope://acme/private", dest.toString());
    assertThat(granted.exitCode()).as(granted.output()).isZero();
    Cli.Result missing =
        Cli.run(
            env("MODELSCOPE_API_TOKEN", TOKEN),
            "modelscope://acme/none",
            tmp.resolve("x").toString());
    assertThat(missing.exitCode()).as(missing.output()).isEqualTo(4);
    for (String bad :
        new String[] {"modelscope://acme", "modelscope://a/b/c", "modelscope://a/b:"}) {
      Cli.Result r = Cli.run(env(), bad, tmp.resolve("y").toString());
      assertThat(r.exitCode()).as(bad).isEqualTo(2);
      assertThat(r.output()).contains("expected modelscope://owner/model");
    }
  }
}
