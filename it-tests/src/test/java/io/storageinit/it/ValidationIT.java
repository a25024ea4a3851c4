package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Validator plugins run after the download, before exit 0, as the real command runs them. */
class ValidationIT {
  @TempDir Path tmp;
  Path model;
  Path dest;

  @BeforeEach
  void copySample() throws Exception {
    model = tmp.resolve("model");
    CommandLineIT.copyTree(SampleModelIT.SAMPLE, model);
    dest = tmp.resolve("mnt/models");
  }

  Cli.Result fetch(Map<String, String> env) throws Exception {
    Map<String, String> all = new java.util.HashMap<>(Map.of("STORAGE_PVC_MODE", "copy"));
    all.putAll(env);
    return Cli.run(all, model.toString(), dest.toString());
  }

  @Test
  void theSampleModelPassesItsChecksumManifest() throws Exception {
    Cli.Result r = fetch(Map.of());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains("validation checksums: INFO SHA256SUMS: 3 files match");
  }

  @Test
  void aTamperedFileFailsTheRunNamedAndIsNotLeftUnderItsName() throws Exception {
    Files.writeString(model.resolve("tokenizer/vocab.txt"), "tampered\n");
    Cli.Result r = fetch(Map.of());
    assertThat(r.exitCode()).isEqualTo(6);
    assertThat(r.output()).contains("tokenizer/vocab.txt").contains("SHA-256 mismatch");
    assertThat(dest.resolve("tokenizer/vocab.txt")).doesNotExist();
    assertThat(dest.resolve("config.json")).exists();
  }

  @Test
  void inLinkModeARefusedFileLosesItsLinkInDestAndTheSourceIsUntouched() throws Exception {
    // KServe's local mode: DEST holds links into the source volume, one per top-level entry.
    Files.writeString(model.resolve("tokenizer/vocab.txt"), "tampered\n");
    byte[] broken = Files.readAllBytes(model.resolve("model.safetensors"));
    ByteBuffer.wrap(broken).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
    Files.write(model.resolve("model.safetensors"), broken);
    Cli.Result r = fetch(Map.of("STORAGE_PVC_MODE", "link"));
    assertThat(r.exitCode()).as(r.output()).isEqualTo(6);
    assertThat(r.output()).contains("tokenizer/vocab.txt").contains("its target is left as it is");
    // The source keeps every file, byte for byte.
    assertThat(model.resolve("tokenizer/vocab.txt")).hasContent("tampered\n");
    assertThat(model.resolve("model.safetensors")).hasBinaryContent(broken);
    // DEST no longer leads to either: the linked folder and the linked file are unlinked.
    assertThat(dest.resolve("tokenizer")).doesNotExist();
    assertThat(Files.isSymbolicLink(dest.resolve("tokenizer"))).isFalse();
    assertThat(Files.isSymbolicLink(dest.resolve("model.safetensors"))).isFalse();
    assertThat(Files.isSymbolicLink(dest.resolve("config.json"))).isTrue();
  }

  @Test
  void aBrokenSafetensorsHeaderIsCaught() throws Exception {
    byte[] broken = Files.readAllBytes(model.resolve("model.safetensors"));
    ByteBuffer.wrap(broken).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
    Files.write(model.resolve("model.safetensors"), broken);
    Files.delete(model.resolve("SHA256SUMS"));
    Cli.Result r = fetch(Map.of());
    assertThat(r.exitCode()).isEqualTo(6);
    assertThat(r.output()).contains("model.safetensors").contains("not a valid safetensors file");
  }

  @Test
  void validatorsCanBeChosenOrSwitchedOff() throws Exception {
    Files.writeString(model.resolve("tokenizer/vocab.txt"), "tampered\n");
    assertThat(fetch(Map.of("STORAGE_VALIDATORS", "none")).exitCode()).isZero();
    assertThat(fetch(Map.of("STORAGE_VALIDATORS", "safetensors,gguf")).exitCode()).isZero();
    Cli.Result unknown = fetch(Map.of("STORAGE_VALIDATORS", "virus-scan"));
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.output()).contains("'virus-scan', which is not installed");
  }

  @Test
  void pickleWeightsAreWarnedAbout() throws Exception {
    Files.writeString(model.resolve("pytorch_model.bin"), "not really a pickle");
    Cli.Result r = fetch(Map.of("STORAGE_VALIDATORS", "pickle"));
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains("WARN validation pickle: WARNING pytorch_model.bin");
  }
}
