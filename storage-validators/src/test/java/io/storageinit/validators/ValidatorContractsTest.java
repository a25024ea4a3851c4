package io.storageinit.validators;

import io.storageinit.api.ModelValidator;
import io.storageinit.tck.ModelValidatorContract;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Nested;

/** The validator TCK for each of our validators. */
class ValidatorContractsTest {

  @Nested
  class Checksums extends ModelValidatorContract {
    @Override
    protected ModelValidator validator() {
      return new ChecksumsValidator();
    }

    @Override
    protected void writeValidModel(Path dir) throws Exception {
      Files.writeString(dir.resolve("a.txt"), "alpha");
      Files.createDirectories(dir.resolve("sub"));
      Files.writeString(dir.resolve("sub/b.txt"), "beta");
      Files.writeString(
          dir.resolve("SHA256SUMS"),
          ChecksumsValidator.sha256(dir.resolve("a.txt"))
              + "  a.txt\n"
              + ChecksumsValidator.sha256(dir.resolve("sub/b.txt"))
              + " *sub/b.txt\n");
    }

    @Override
    protected String writeInvalidModel(Path dir) throws Exception {
      writeValidModel(dir);
      Files.writeString(dir.resolve("sub/b.txt"), "tampered");
      return "sub/b.txt";
    }
  }

  @Nested
  class Safetensor extends ModelValidatorContract {
    @Override
    protected ModelValidator validator() {
      return new SafetensorsValidator();
    }

    @Override
    protected void writeValidModel(Path dir) throws Exception {
      Safetensors.write(dir.resolve("model.safetensors"), Safetensors.VALID, 32);
    }

    @Override
    protected String writeInvalidModel(Path dir) throws Exception {
      Safetensors.write(dir.resolve("model-00002.safetensors"), Safetensors.VALID, 20);
      return "model-00002.safetensors";
    }
  }

  @Nested
  class Gguf extends ModelValidatorContract {
    @Override
    protected ModelValidator validator() {
      return new GgufValidator();
    }

    @Override
    protected void writeValidModel(Path dir) throws Exception {
      Files.write(dir.resolve("m.gguf"), new byte[] {'G', 'G', 'U', 'F', 3, 0, 0, 0, 0, 0});
    }

    @Override
    protected String writeInvalidModel(Path dir) throws Exception {
      Files.write(dir.resolve("m.gguf"), "<html>not found</html>".getBytes(StandardCharsets.UTF_8));
      return "m.gguf";
    }
  }
}
