package io.storageinit.validators;

import io.storageinit.api.Finding;
import io.storageinit.api.ModelFiles;
import io.storageinit.api.ModelValidator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Warns about pickle-based weights ({@code .bin}, {@code .pt}, {@code .pth}, {@code .pkl}, {@code
 * .ckpt}): loading them runs code from the file. They are never unpickled here; the warning is for
 * whoever serves the model.
 */
public final class PickleValidator implements ModelValidator {
  private static final Set<String> SUFFIXES =
      Set.of(".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt");

  @Override
  public String name() {
    return "pickle";
  }

  @Override
  public List<Finding> validate(Path modelDir, Map<String, String> config) {
    return validate(modelDir, ModelFiles.list(modelDir), config);
  }

  @Override
  public List<Finding> validate(Path modelDir, List<String> files, Map<String, String> config) {
    List<Finding> findings = new ArrayList<>();
    for (String f : files) {
      int dot = f.lastIndexOf('.');
      if (dot > f.lastIndexOf('/') && SUFFIXES.contains(f.substring(dot))) {
        findings.add(
            Finding.warning(
                f, "pickle-based format: loading it runs code from the file; prefer safetensors"));
      }
    }
    return findings;
  }
}
