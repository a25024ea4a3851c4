package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real command into a DEST that is a small file system of its own (a tmpfs mounted for the
 * test, which needs root: skipped with a message elsewhere): a model that does not fit fails with
 * its own exit code and the figures, leaves no short file under a final name, and a run after the
 * volume grew completes, byte-identical.
 */
class DiskFullIT extends HttpServerFixture {
  private boolean mounted;

  @BeforeEach
  void smallVolume() throws Exception {
    Files.createDirectories(dest);
    mounted = mount("size=4m");
    assumeTrue(mounted, "cannot mount a tmpfs here (needs root): the disk-full tests are skipped");
  }

  @AfterEach
  void unmount() throws Exception {
    if (mounted) {
      new ProcessBuilder("umount", dest.toString()).inheritIO().start().waitFor();
    }
  }

  private boolean mount(String options) throws Exception {
    Process p =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", options, "tmpfs", dest.toString())
            .redirectErrorStream(true)
            .start();
    p.getInputStream().readAllBytes();
    return p.waitFor() == 0;
  }

  /** Grows the volume, as an operator raising the emptyDir's sizeLimit would. */
  private void grow() throws Exception {
    assertThat(mount("remount,size=32m")).isTrue();
  }

  @Test
  void aModelLargerThanTheVolumeIsRefusedBeforeItsFirstByte() throws Exception {
    publish("model.bin", 6 << 20);
    Cli.Result r = fetch(Map.of(), "model.bin");
    assertThat(r.exitCode()).as(r.output()).isEqualTo(8);
    assertThat(r.output())
        .contains("The model does not fit: 1 file(s) still to fetch need 6.0 MiB")
        .contains("free of 4.0 MiB")
        .contains("STORAGE_DISK_CHECK=false");
    assertThat(server.bodyBytesSent()).as("at most the listing's one-byte probe").isLessThan(2);
    assertThat(Cli.tree(dest)).isEmpty();
  }

  @Test
  void aModelThatCannotFitTheNodeCacheIsRefusedBeforeItsFirstByte() throws Exception {
    publish("model.bin", 6 << 20);
    Path cache = dest.resolve("cache");
    Cli.Result r =
        Cli.run(
            Map.of("STORAGE_CACHE_DIR", cache.toString()),
            server.url("model.bin"),
            dest.resolve("models").toString());
    assertThat(r.exitCode()).as(r.output()).isEqualTo(8);
    assertThat(r.output()).contains("The model does not fit").contains(cache.toString());
    assertThat(server.bodyBytesSent()).as("at most the listing's one-byte probe").isLessThan(2);
  }

  @Test
  void aRunThatLosesTheSpaceToAnotherWriterFailsClearlyAndARunAfterResumes() throws Exception {
    byte[] model = publish("model.bin", 3 << 20);
    server.throttle(1 << 20);
    Map<String, String> env = Map.of("STORAGE_PART_SIZE", "256KiB", "STORAGE_CONCURRENCY", "2");
    Process p = Cli.start(env, server.url("model.bin"), dest.toString());
    long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (server.bodyBytesSent() < (512 << 10) && System.nanoTime() < until) {
      Thread.sleep(20);
    }
    // Another writer on the same volume takes what is left.
    Path filler = dest.resolve("other-writer.bin");
    try (var out = Files.newOutputStream(filler)) {
      byte[] block = new byte[64 << 10];
      while (true) {
        out.write(block);
      }
    } catch (java.io.IOException full) {
      // The volume is full now.
    }
    String output = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(output).isEqualTo(8);
    assertThat(output).contains("No space left for model.bin on the file system of");
    assertThat(output).doesNotContain("INTERNAL");
    assertThat(dest.resolve("model.bin")).doesNotExist();

    Files.delete(filler);
    server.throttle(0);
    Cli.Result again = fetch(env, "model.bin");
    assertThat(again.exitCode()).as(again.output()).isZero();
    assertThat(again.output()).contains("resuming");
    assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(model);
    assertThat(Cli.tree(dest)).containsOnlyKeys("model.bin");
  }

  @Test
  void aPlanListsWhatWouldBeFetchedAndWhetherItFitsWritingNothing() throws Exception {
    byte[] config = publish("config.json", 1000);
    publish("model.bin", 6 << 20);
    assertThat(fetch(Map.of(), "config.json").exitCode()).isZero();
    long sent = server.bodyBytesSent();
    Cli.Result plan =
        Cli.run(
            Map.of(),
            "plan",
            server.url("config.json"),
            dest.toString(),
            server.url("model.bin"),
            dest.toString());
    assertThat(plan.exitCode()).as(plan.output()).isZero();
    assertThat(plan.output())
        .containsPattern("in place +1000 B +config.json")
        .containsPattern("fetch +6.0 MiB +model.bin")
        .contains("does NOT fit")
        .contains("fits");
    assertThat(server.bodyBytesSent() - sent).as("probes only").isLessThan(3);
    assertThat(Cli.tree(dest)).containsOnlyKeys("config.json");
    assertThat(Files.readAllBytes(dest.resolve("config.json"))).isEqualTo(config);

    Cli.Result nowhere =
        Cli.run(Map.of(), "plan", server.url("model.bin"), tmp.resolve("not/made").toString());
    assertThat(nowhere.exitCode()).as(nowhere.output()).isZero();
    assertThat(tmp.resolve("not")).doesNotExist();
  }

  @Test
  void anArchiveThatFitsButItsContentsDoNotIsKeptForARunWithMoreRoom() throws Exception {
    byte[] weights = new byte[3 << 20];
    new Random(7).nextBytes(weights); // incompressible: the archive is as large as its contents
    TestArchives.tar(
        www.resolve("model.tar.gz"),
        tar -> TestArchives.addFile(tar, "model/weights.bin", weights));
    Cli.Result full = fetch(Map.of(), "model.tar.gz");
    assertThat(full.exitCode()).as(full.output()).isEqualTo(8);
    assertThat(full.output())
        .contains("No space to unpack model.tar.gz: its contents need about 3.0 MiB")
        .contains("The archive is kept in DEST")
        .doesNotContain("not a valid");
    assertThat(Cli.tree(dest)).containsOnlyKeys("model.tar.gz");

    grow();
    long sent = server.bodyBytesSent();
    Cli.Result again = fetch(Map.of(), "model.tar.gz");
    assertThat(again.exitCode()).as(again.output()).isZero();
    assertThat(Files.readAllBytes(dest.resolve("model/weights.bin"))).isEqualTo(weights);
    assertThat(Cli.tree(dest)).containsOnlyKeys("model", "model/weights.bin");
    assertThat(server.bodyBytesSent() - sent)
        .as("the archive was in place: not fetched again")
        .isLessThan(1024);
  }
}
