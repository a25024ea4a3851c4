package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/third-party-plugin, built on its own against the published SPI and TCK, dropped into
 * plugins/demo/ of a distribution, is found and used end to end.
 */
class ThirdPartyPluginIT {
  static final Path TOP = Path.of(System.getProperty("samples.dir", "../samples")).getParent();

  @TempDir Path tmp;

  @Test
  void theExamplePluginBuildsRunsItsTckAndServesItsScheme() throws Exception {
    Path example = tmp.resolve("example");
    CommandLineIT.copyTree(TOP.resolve("examples/third-party-plugin"), example);
    deleteTarget(example.resolve("target"));
    Process build =
        new ProcessBuilder(
                TOP.resolve("mvnw").toString(),
                "-B",
                "-q",
                "-f",
                example.resolve("pom.xml").toString(),
                "package")
            .redirectErrorStream(true)
            .start();
    String log = new String(build.getInputStream().readAllBytes());
    assertThat(build.waitFor(600, TimeUnit.SECONDS)).isTrue();
    assertThat(build.exitValue()).as(log).isZero();
    assertThat(example.resolve("target/surefire-reports")).isDirectory();

    Distribution dist = Distribution.copy(tmp.resolve("dist"), "pvc");
    Files.copy(
        example.resolve("target/demo-storage-plugin-1.0.0.jar"),
        dist.plugin("demo").resolve("demo-storage-plugin-1.0.0.jar"));

    Cli.Result list = dist.run(Map.of(), "--list-plugins");
    assertThat(list.output())
        .containsPattern(
            "provider +demo +schemes: demo:// .*version: 1.0.0 .*plugins/demo/demo-storage-plugin-1.0.0.jar");

    Path catalog = Files.createDirectories(tmp.resolve("catalog/iris/v1"));
    Files.writeString(catalog.resolve("model.joblib"), "iris weights");
    Files.createDirectories(catalog.resolve("meta"));
    Files.writeString(catalog.resolve("meta/info.json"), "{}");
    Path dest = tmp.resolve("mnt/models");
    Cli.Result r =
        dist.run(
            Map.of("DEMO_CATALOG", tmp.resolve("catalog").toString()),
            "demo://iris/v1",
            dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest)).containsOnlyKeys("model.joblib", "meta", "meta/info.json");
    assertThat(dest.resolve("model.joblib")).hasContent("iris weights");
  }

  static void deleteTarget(Path target) throws Exception {
    if (!Files.exists(target)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(target)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
