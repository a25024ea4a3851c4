package io.storageinit.validators;

import io.storageinit.api.Finding;
import io.storageinit.api.ModelFiles;
import io.storageinit.api.ModelValidator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks every {@code .gguf} file starts with the GGUF magic and a version this format has had
 * (1-3).
 */
public final class GgufValidator implements ModelValidator {
  private static final int MAGIC = 0x46554747; // "GGUF" read little-endian

  @Override
  public String name() {
    return "gguf";
  }

  @Override
  public List<Finding> validate(Path modelDir, Map<String, String> config) {
    return validate(modelDir, ModelFiles.list(modelDir), config);
  }

  @Override
  public List<Finding> validate(Path modelDir, List<String> files, Map<String, String> config) {
    List<Finding> findings = new ArrayList<>();
    for (String f : files) {
      if (f.endsWith(".gguf")) {
        try (FileChannel ch = FileChannel.open(modelDir.resolve(f))) {
          ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
          ch.read(head, 0);
          head.flip();
          if (head.remaining() < 8 || head.getInt() != MAGIC) {
            findings.add(Finding.error(f, "not a GGUF file: the magic 'GGUF' is missing"));
            continue;
          }
          int version = head.getInt();
          if (version < 1 || version > 3) {
            findings.add(Finding.error(f, "unknown GGUF version " + version));
          }
        } catch (IOException e) {
          findings.add(Finding.error(f, "cannot be read: " + e));
        }
      }
    }
    return findings;
  }
}
