package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
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
  void aFileLargerThanTheVolumeFailsWithTheFiguresAndARunAfterItGrewResumes() throws Exception {
    byte[] small = publish("config.json", 1000);
    byte[] big = publish("model.bin", 6 << 20);
    Map<String, String> env = Map.of("STORAGE_PART_SIZE", "1MiB");
    Cli.Result full = fetch(env, "model.bin");
    assertThat(full.exitCode()).as(full.output()).isEqualTo(8);
    assertThat(full.output())
        .contains("No space left for model.bin on the file system of")
        .contains("free of 4.0 MiB")
        .doesNotContain("INTERNAL");
    assertThat(dest.resolve("model.bin")).doesNotExist();

    grow();
    Cli.Result again = fetch(env, "model.bin");
    assertThat(again.exitCode()).as(again.output()).isZero();
    assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(big);
    assertThat(fetch(env, "config.json").exitCode()).isZero();
    assertThat(Files.readAllBytes(dest.resolve("config.json"))).isEqualTo(small);
    assertThat(Cli.tree(dest)).containsOnlyKeys("model.bin", "config.json");
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
        .contains("No space left to unpack model.tar.gz")
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
