package io.storageinit.validators;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The safetensors check on any file: it names what is wrong, or accepts the file; it never throws
 * and never reads more than the file holds.
 */
class SafetensorsFuzz {
  private static Path file;

  @FuzzTest(maxDuration = "10s")
  void anyFile(byte[] data) {
    fuzzerTestOneInput(data);
  }

  /** The target, also for Jazzer's command line (bench/fuzz-long.sh). */
  public static void fuzzerTestOneInput(byte[] data) {
    try {
      if (file == null) {
        file = Files.createTempFile("fuzz", ".safetensors");
        file.toFile().deleteOnExit();
      }
      Files.write(file, data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    SafetensorsValidator.check(file);
  }
}
