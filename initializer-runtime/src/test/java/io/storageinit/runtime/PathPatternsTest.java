package io.storageinit.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PathPatternsTest {
  @Test
  void starMatchesAcrossSlashesAsInFnmatch() {
    assertThat(PathPatterns.compile("*.json").matcher("sub/config.json").matches()).isTrue();
    assertThat(PathPatterns.compile("weights/*").matcher("weights/a/b.bin").matches()).isTrue();
  }

  @Test
  void aPatternEndingInASlashMeansEverythingBelowThatFolder() {
    PathPatterns onlyOnnx = new PathPatterns(List.of("onnx/"), List.of());
    assertThat(onlyOnnx.keeps("onnx/model.onnx")).isTrue();
    assertThat(onlyOnnx.keeps("onnx/deep/part.bin")).isTrue();
    assertThat(onlyOnnx.keeps("model.safetensors")).isFalse();
    PathPatterns notOriginal = new PathPatterns(List.of(), List.of("original/"));
    assertThat(notOriginal.keeps("original/consolidated.pth")).isFalse();
    assertThat(notOriginal.keeps("config.json")).isTrue();
  }

  @Test
  void questionMarksAndSets() {
    assertThat(PathPatterns.compile("part-?.bin").matcher("part-1.bin").matches()).isTrue();
    assertThat(PathPatterns.compile("part-?.bin").matcher("part-12.bin").matches()).isFalse();
    assertThat(PathPatterns.compile("[ab].txt").matcher("b.txt").matches()).isTrue();
    assertThat(PathPatterns.compile("[!ab].txt").matcher("b.txt").matches()).isFalse();
    assertThat(PathPatterns.compile("[!ab].txt").matcher("c.txt").matches()).isTrue();
    assertThat(PathPatterns.compile("a[").matcher("a[").matches()).isTrue();
  }

  @Test
  void regexCharactersAreLiteral() {
    assertThat(PathPatterns.compile("model.(v1)+.bin").matcher("model.(v1)+.bin").matches())
        .isTrue();
    assertThat(PathPatterns.compile("model.bin").matcher("modelXbin").matches()).isFalse();
  }

  @Test
  void allowThenIgnore() {
    PathPatterns p = new PathPatterns(List.of("*.safetensors", "*.json"), List.of("optimizer*"));
    assertThat(p.keeps("model-00001.safetensors")).isTrue();
    assertThat(p.keeps("config.json")).isTrue();
    assertThat(p.keeps("pytorch_model.bin")).isFalse();
    assertThat(p.keeps("optimizer.json")).isFalse();
    assertThat(new PathPatterns(List.of(), List.of()).keeps("anything")).isTrue();
  }
}
