package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local folders (what pvc:// becomes once KServe mounts the claim): the tree KServe's initializer
 * leaves, which is one symlink per top-level entry that is not hidden.
 */
class LocalFolderIT {
  @TempDir Path tmp;
  Path src;

  @BeforeEach
  void model() throws Exception {
    src = Files.createDirectories(tmp.resolve("pvc/models/iris"));
    Files.writeString(src.resolve("model.joblib"), "weights");
    Files.createDirectories(src.resolve("tokenizer"));
    Files.writeString(src.resolve("tokenizer/vocab.txt"), "a b c");
    Files.writeString(src.resolve(".hidden"), "not part of the model");
  }

  @Test
  void aFolderIsLinkedEntryByEntryAsKServeDoes() throws Exception {
    Path dest = tmp.resolve("mnt/models");
    Cli.Result r = Cli.run(Map.of(), src.toString(), dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    // KServe: for each glob("<src>/*"): os.symlink(src_entry, dest/name)
    assertThat(Cli.tree(dest))
        .containsExactlyEntriesOf(
            new java.util.TreeMap<>(
                Map.of(
                    "model.joblib", "-> " + src.resolve("model.joblib"),
                    "tokenizer", "-> " + src.resolve("tokenizer"))));
    assertThat(dest.resolve("tokenizer/vocab.txt")).hasContent("a b c");
  }

  @Test
  void pvcAndFileUrisMapToTheSameFolder() throws Exception {
    Map<String, String> env = Map.of("STORAGE_PVC_ROOT", tmp.resolve("pvc").toString());
    Cli.Result pvc = Cli.run(env, "pvc://my-claim/models/iris", tmp.resolve("a").toString());
    Cli.Result file = Cli.run(env, "file://" + src, tmp.resolve("b").toString());
    assertThat(pvc.exitCode()).as(pvc.output()).isZero();
    assertThat(file.exitCode()).as(file.output()).isZero();
    assertThat(Cli.tree(tmp.resolve("a"))).isEqualTo(Cli.tree(tmp.resolve("b"))).hasSize(2);
  }

  @Test
  void aSingleFileIsLinkedUnderItsName() throws Exception {
    Path dest = tmp.resolve("out");
    Cli.Result r = Cli.run(Map.of(), src.resolve("model.joblib").toString(), dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest))
        .containsExactly(Map.entry("model.joblib", "-> " + src.resolve("model.joblib")));
  }

  @Test
  void aMissingSourceFailsNamingThePath() throws Exception {
    Cli.Result r = Cli.run(Map.of(), tmp.resolve("nope").toString(), tmp.resolve("out").toString());
    assertThat(r.exitCode()).isEqualTo(4);
    assertThat(r.output()).contains(tmp.resolve("nope") + " (from").contains("does not exist");
  }

  @Test
  void anEmptyFolderHasNoModel() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    Cli.Result r = Cli.run(Map.of(), empty.toString(), tmp.resolve("out").toString());
    assertThat(r.exitCode()).isEqualTo(4);
    assertThat(r.output()).contains("No model found in " + empty);
  }

  @Test
  void copyModeWritesRealFilesInTheSameTree() throws Exception {
    Path dest = tmp.resolve("out");
    Cli.Result r = Cli.run(Map.of("STORAGE_PVC_MODE", "copy"), src.toString(), dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest))
        .containsExactlyEntriesOf(
            new java.util.TreeMap<>(
                Map.of(
                    "model.joblib",
                    "file 7",
                    "tokenizer",
                    "dir",
                    "tokenizer/vocab.txt",
                    "file 5")));
  }

  @Test
  void aSingleArchiveIsUnpackedAndTheLinkRemoved() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("archived"));
    TestArchives.tar(
        dir.resolve("model.tar.gz"), Map.of("model/config.json", "{}", "model/w.bin", "0123"));
    Path dest = tmp.resolve("out");
    Cli.Result r = Cli.run(Map.of(), dir.toString(), dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest))
        .containsExactlyEntriesOf(
            new java.util.TreeMap<>(
                Map.of("model", "dir", "model/config.json", "file 2", "model/w.bin", "file 4")));
    assertThat(dir.resolve("model.tar.gz")).exists();
  }

  @Test
  void filtersKeepOnlyMatchingFiles() throws Exception {
    Path dest = tmp.resolve("out");
    Cli.Result r =
        Cli.run(
            Map.of("STORAGE_PVC_MODE", "copy", "STORAGE_IGNORE_PATTERNS", "[\"tokenizer/*\"]"),
            src.toString(),
            dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest)).containsOnlyKeys("model.joblib");
  }

  @Test
  void pairsRunInOrderAndEveryDestinationIsCreated() throws Exception {
    Path other = Files.createDirectories(tmp.resolve("other"));
    Files.writeString(other.resolve("b.txt"), "b");
    Cli.Result r =
        Cli.run(
            Map.of("STORAGE_PVC_MODE", "copy"),
            src.toString(),
            tmp.resolve("d1/nested").toString(),
            other.toString(),
            tmp.resolve("d2").toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(tmp.resolve("d1/nested/model.joblib")).hasContent("weights");
    assertThat(tmp.resolve("d2/b.txt")).hasContent("b");
    assertThat(r.output().indexOf("src_uri [" + src))
        .isLessThan(r.output().indexOf("src_uri [" + other));
  }
}
