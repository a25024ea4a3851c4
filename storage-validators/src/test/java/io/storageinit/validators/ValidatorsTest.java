package io.storageinit.validators;

import static org.assertj.core.api.Assertions.assertThat;

import io.storageinit.api.Finding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidatorsTest {
  @TempDir Path dir;

  String safetensorsProblem(String header, int data) throws Exception {
    Path f = dir.resolve("t.safetensors");
    Safetensors.write(f, header, data);
    return SafetensorsValidator.check(f);
  }

  @Test
  void safetensorsStructureIsChecked() throws Exception {
    assertThat(safetensorsProblem(Safetensors.VALID, 32)).isNull();
    assertThat(safetensorsProblem("not json", 0)).contains("not JSON");
    assertThat(safetensorsProblem("[1,2]", 0)).contains("not a JSON object");
    assertThat(safetensorsProblem(Safetensors.VALID, 40))
        .contains("8 bytes no tensor accounts for");
    assertThat(
            safetensorsProblem(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                    + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                12))
        .contains("overlap");
    assertThat(
            safetensorsProblem(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,8]}}", 8))
        .contains("needs 16");
    assertThat(
            safetensorsProblem(
                "{\"a\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1))
        .contains("unknown dtype");
    assertThat(
            safetensorsProblem(
                "{\"a\":{\"dtype\":\"U8\",\"shape\":[9],\"data_offsets\":[0,9]}}", 4))
        .contains("outside");
    assertThat(
            safetensorsProblem(
                "{\"a\":{\"dtype\":\"U8\",\"shape\":[1.5],\"data_offsets\":[0,1]}}", 1))
        .contains("bad shape [null]");
    assertThat(safetensorsProblem("{\"a\":{\"dtype\":\"U8\",\"shape\":[1]}}", 1))
        .contains("lacks a shape or a [begin, end] data_offsets");
    assertThat(safetensorsProblem("{\"a\":[1]}", 1)).contains("tensor 'a' has an unknown dtype");
    assertThat(safetensorsProblem(Safetensors.VALID + " {}", 32)).contains("not JSON");
    assertThat(
            safetensorsProblem(
                "{\"__metadata__\":{\"nested\":{\"x\":[1,{}]}},"
                    + "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"extra\":{}}}",
                1))
        .isNull();
  }

  @Test
  void aHeaderLengthBeyondTheFileIsCaught() throws Exception {
    Path f = dir.resolve("x.safetensors");
    Files.write(f, new byte[] {(byte) 0xff, (byte) 0xff, 0, 0, 0, 0, 0, 0, '{', '}'});
    assertThat(SafetensorsValidator.check(f)).contains("does not fit");
  }

  @Test
  void unlistedFilesFailUnlessAllowed() throws Exception {
    Files.writeString(dir.resolve("a.txt"), "a");
    Files.writeString(dir.resolve("extra.bin"), "x");
    Files.writeString(
        dir.resolve("SHA256SUMS"), ChecksumsValidator.sha256(dir.resolve("a.txt")) + "  a.txt\n");
    List<Finding> strict = new ChecksumsValidator().validate(dir, Map.of());
    assertThat(strict)
        .anyMatch(
            f -> f.severity() == Finding.Severity.ERROR && f.file().orElse("").equals("extra.bin"));
    List<Finding> lenient =
        new ChecksumsValidator().validate(dir, Map.of("STORAGE_CHECKSUMS_ALLOW_UNLISTED", "true"));
    assertThat(lenient).noneMatch(f -> f.severity() == Finding.Severity.ERROR);
  }

  @Test
  void aMissingListedFileIsAnError() throws Exception {
    Files.writeString(dir.resolve("SHA256SUMS"), "0".repeat(64) + "  gone.bin\n");
    assertThat(new ChecksumsValidator().validate(dir, Map.of()))
        .anyMatch(f -> f.file().orElse("").equals("gone.bin") && f.message().contains("missing"));
  }

  @Test
  void pickleFilesAreWarnedAboutNeverFailed() throws Exception {
    Files.writeString(dir.resolve("pytorch_model.bin"), "x");
    Files.writeString(dir.resolve("model.safetensors"), "x");
    Files.writeString(dir.resolve("notes.binary"), "x");
    Files.createDirectories(dir.resolve("run.pt"));
    Files.writeString(dir.resolve("run.pt/readme"), "x");
    Files.createDirectories(dir.resolve("checkpoints"));
    Files.writeString(dir.resolve("checkpoints/step-9.ckpt"), "x");
    List<Finding> findings = new PickleValidator().validate(dir, Map.of());
    assertThat(findings)
        .extracting(f -> f.file().orElseThrow())
        .containsExactly("checkpoints/step-9.ckpt", "pytorch_model.bin");
    assertThat(findings).allMatch(f -> f.severity() == Finding.Severity.WARNING);
  }

  @Test
  void safetensorsGetsReadyWithoutChangingWhatItFinds() throws Exception {
    SafetensorsValidator v = new SafetensorsValidator();
    v.prepare(Map.of());
    Safetensors.write(dir.resolve("good.safetensors"), Safetensors.VALID, 32);
    Safetensors.write(dir.resolve("bad.safetensors"), "not json", 0);
    assertThat(v.validate(dir, Map.of()))
        .singleElement()
        .satisfies(f -> assertThat(f.file()).contains("bad.safetensors"));
  }
}
