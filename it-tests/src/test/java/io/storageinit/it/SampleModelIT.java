package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command: the bundled sample model into a folder of the user's choice. */
class SampleModelIT {
  static final Path SAMPLE =
      Path.of(System.getProperty("samples.dir", "../samples")).resolve("sample-model");

  @TempDir Path tmp;

  @Test
  void theSampleModelLandsAsKServeWouldLeaveIt() throws Exception {
    Path dest = tmp.resolve("my-model");
    Cli.Result r = Cli.run(Map.of(), SAMPLE.toString(), dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest))
        .containsOnlyKeys("SHA256SUMS", "config.json", "model.safetensors", "tokenizer");
    assertThat(Files.readString(dest.resolve("tokenizer/vocab.txt"))).contains("hello");
  }

  @Test
  void inCopyModeTheFilesAreRealAndIdentical() throws Exception {
    Path dest = tmp.resolve("my-model");
    Cli.Result r = Cli.run(Map.of("STORAGE_PVC_MODE", "copy"), SAMPLE.toString(), dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    for (String f :
        new String[] {"config.json", "model.safetensors", "tokenizer/vocab.txt", "SHA256SUMS"}) {
      assertThat(Files.isSymbolicLink(dest.resolve(f))).isFalse();
      assertThat(Files.readAllBytes(dest.resolve(f)))
          .isEqualTo(Files.readAllBytes(SAMPLE.resolve(f)));
    }
  }
}
