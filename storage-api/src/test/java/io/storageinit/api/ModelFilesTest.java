package io.storageinit.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFilesTest {
  @TempDir Path dir;

  @Test
  void listsRegularFilesSortedAndRelativeFollowingLinksAndSkippingHiddenOnes() throws Exception {
    Files.createDirectories(dir.resolve("b/c"));
    Files.writeString(dir.resolve("b/c/w.bin"), "x");
    Files.writeString(dir.resolve("a.json"), "{}");
    Files.writeString(dir.resolve(".hidden"), "x");
    Files.createDirectories(dir.resolve(".cache/sub"));
    Files.writeString(dir.resolve(".cache/sub/blob"), "x");
    Files.writeString(dir.resolve("b/.partial"), "x");
    Path outside = Files.createDirectories(dir.resolveSibling(dir.getFileName() + "-linked"));
    Files.writeString(outside.resolve("t.txt"), "x");
    Files.createSymbolicLink(dir.resolve("linked"), outside);
    Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("nowhere"));

    assertThat(ModelFiles.list(dir)).containsExactly("a.json", "b/c/w.bin", "linked/t.txt");
  }

  @Test
  void aLinkLoopIsAnErrorThatNamesTheModel() throws Exception {
    Files.createDirectories(dir.resolve("m"));
    Files.createSymbolicLink(dir.resolve("m/loop"), dir.resolve("m"));
    assertThatThrownBy(() -> ModelFiles.list(dir))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("Cannot list the model in " + dir);
  }
}
