package io.storageinit.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeProviderContextTest {
  @TempDir Path tmp;

  @Test
  void foldersOfKilledRunsAreRemovedAndThoseOfLiveOnesKept() throws Exception {
    Process live = new ProcessBuilder("sleep", "30").start();
    try {
      long dead = deadPid();
      Path orphan = Files.createDirectories(tmp.resolve("storage-initializer-" + dead + "-123"));
      Files.writeString(orphan.resolve("keytab"), "decoded secret");
      Path running =
          Files.createDirectories(tmp.resolve("storage-initializer-" + live.pid() + "-9"));
      Path notOurs = Files.createDirectories(tmp.resolve("storage-initializer-notes"));
      Path outside = Files.createDirectories(tmp.resolve("outside"));
      Files.writeString(outside.resolve("keep"), "x");
      Path link = tmp.resolve("storage-initializer-" + dead + "-link");
      Files.createSymbolicLink(link, outside);

      RuntimeProviderContext.removeOrphans(tmp);

      assertThat(orphan).doesNotExist();
      assertThat(running).isDirectory();
      assertThat(notOurs).isDirectory();
      assertThat(outside.resolve("keep")).hasContent("x");
    } finally {
      live.destroy();
    }
  }

  @Test
  void thePrivateFolderIsOwnerOnlyAndNamedByItsProcess() throws Exception {
    try (RuntimeProviderContext c = new RuntimeProviderContext(Map.of(), Map.of(), new Secrets())) {
      Path d = c.privateDirectory();
      assertThat(d.getFileName().toString())
          .startsWith("storage-initializer-" + ProcessHandle.current().pid() + "-");
      assertThat(
              java.nio.file.attribute.PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(d)))
          .isEqualTo("rwx------");
      c.close();
      assertThat(d).doesNotExist();
    }
  }

  /** A pid no process has: that of a process that has ended. */
  private static long deadPid() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    return p.pid();
  }
}
