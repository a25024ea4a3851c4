package io.storageinit.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.storageinit.api.Finding;
import io.storageinit.api.ModelValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract every {@link ModelValidator} must meet. Extend it with the validator and two
 * fixtures: a model it must accept and one it must reject.
 *
 * @since 0.1
 */
public abstract class ModelValidatorContract {

  /** Returns a fresh instance of the validator under test. */
  protected abstract ModelValidator validator();

  /** Writes into {@code dir} a model the validator must accept without errors. */
  protected abstract void writeValidModel(Path dir) throws Exception;

  /** Writes into {@code dir} a model the validator must reject, and returns the bad file's path. */
  protected abstract String writeInvalidModel(Path dir) throws Exception;

  /** The environment the validator runs with; empty by default. */
  protected Map<String, String> config() {
    return Map.of();
  }

  @TempDir Path dir;

  private static Map<String, String> snapshot(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.toList()) {
        out.put(
            dir.relativize(p).toString(),
            Files.isRegularFile(p) ? Files.size(p) + ":" + Files.getLastModifiedTime(p) : "dir");
      }
    }
    return out;
  }

  @Test
  void isRegisteredAsAService() {
    List<String> registered =
        ServiceLoader.load(ModelValidator.class, validator().getClass().getClassLoader()).stream()
            .map(p -> p.type().getName())
            .toList();
    assertThat(registered).contains(validator().getClass().getName());
    assertThat(validator().name()).matches("[a-z0-9][a-z0-9-]*");
  }

  @Test
  void acceptsAValidModel() throws Exception {
    writeValidModel(dir);
    List<Finding> findings = validator().validate(dir, config());
    assertThat(findings).noneMatch(f -> f.severity() == Finding.Severity.ERROR);
  }

  @Test
  void rejectsAnInvalidModelNamingTheFile() throws Exception {
    String bad = writeInvalidModel(dir);
    List<Finding> findings = validator().validate(dir, config());
    assertThat(findings)
        .filteredOn(f -> f.severity() == Finding.Severity.ERROR)
        .isNotEmpty()
        .anyMatch(f -> f.file().filter(bad::equals).isPresent());
  }

  @Test
  void neverChangesTheModel() throws Exception {
    writeInvalidModel(dir);
    Map<String, String> before = snapshot(dir);
    validator().validate(dir, config());
    assertThat(snapshot(dir)).isEqualTo(before);
  }

  @Test
  void givenTheModelsFilesItFindsWhatItFindsOnItsOwn() throws Exception {
    String bad = writeInvalidModel(dir);
    List<String> files = io.storageinit.api.ModelFiles.list(dir);
    assertThat(files).contains(bad);
    assertThat(validator().validate(dir, files, config()))
        .map(Finding::toString)
        .containsExactlyInAnyOrderElementsOf(
            validator().validate(dir, config()).stream().map(Finding::toString).toList());
  }

  @Test
  void anEmptyModelIsNotAnError() throws Exception {
    assertThat(validator().validate(dir, config()))
        .noneMatch(f -> f.severity() == Finding.Severity.ERROR);
  }
}
