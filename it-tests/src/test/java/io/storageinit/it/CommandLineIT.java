package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line contract: usage, exit codes, plugin discovery, multi-model no-op. */
class CommandLineIT {
  @TempDir Path tmp;

  @Test
  void noArgumentsPrintsUsageAndFails() throws Exception {
    Cli.Result r = Cli.run(Map.of());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.output()).contains("Usage: storage-initializer SRC_URI DEST_PATH");
  }

  @Test
  void anOddNumberOfArgumentsPrintsUsageAndFails() throws Exception {
    assertThat(Cli.run(Map.of(), "a").exitCode()).isEqualTo(1);
    Cli.Result r = Cli.run(Map.of(), "a", "b", "c");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.output()).contains("Usage:").contains("got 3 argument(s)");
  }

  @Test
  void anUnknownSchemeFailsListingTheInstalledSchemes() throws Exception {
    Cli.Result r = Cli.run(Map.of(), "ftp://bucket/model", tmp.resolve("out").toString());
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.output())
        .contains("Cannot recognize storage type for ftp://bucket/model")
        .contains("http://", "https://", "pvc://", "file://");
  }

  @Test
  void aKnownSchemeWithoutItsPluginNamesThePluginToAdd() throws Exception {
    Distribution pvcOnly = Distribution.copy(tmp.resolve("dist"), "pvc");
    Cli.Result r = pvcOnly.run(Map.of(), "s3://bucket/model", tmp.resolve("out").toString());
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.output()).contains("Add the 's3' plugin");
  }

  @Test
  void listPluginsShowsWhatIsInThePluginsFolder() throws Exception {
    Cli.Result r = Cli.run(Map.of(), "--list-plugins");
    assertThat(r.exitCode()).isZero();
    assertThat(r.output())
        .containsPattern(
            "provider +pvc .*file://, pvc://, local paths.*plugins/pvc/storage-pvc-.*\\.jar")
        .containsPattern("provider +http .*http://, https://.*plugins/http/storage-http-.*\\.jar");
  }

  @Test
  void aPluginSetWithoutHttpListsAndServesOnlyItsOwnSchemes() throws Exception {
    Path plugins = tmp.resolve("plugins");
    copyTree(Cli.HOME.resolve("plugins/pvc"), plugins.resolve("pvc"));
    Map<String, String> env = Map.of("STORAGE_PLUGINS_DIR", plugins.toString());
    Cli.Result list = Cli.run(env, "--list-plugins");
    assertThat(list.output()).contains("pvc").doesNotContain("http");
    Cli.Result r = Cli.run(env, "http://127.0.0.1:1/model.bin", tmp.resolve("out").toString());
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.output())
        .contains("no installed plugin serves 'http://'")
        .contains("Add the 'http' plugin");
  }

  @Test
  void aBrokenPluginIsReportedButOnlyFatalForItsOwnScheme() throws Exception {
    Path plugins = tmp.resolve("plugins");
    copyTree(Cli.HOME.resolve("plugins/pvc"), plugins.resolve("pvc"));
    Path broken = Files.createDirectories(plugins.resolve("broken"));
    // A jar whose service file names a class that is not there.
    try (var jar =
        new java.util.jar.JarOutputStream(Files.newOutputStream(broken.resolve("broken.jar")))) {
      jar.putNextEntry(
          new java.util.jar.JarEntry("META-INF/services/io.storageinit.api.StorageProvider"));
      jar.write("com.example.Missing\n".getBytes());
      jar.closeEntry();
    }
    Map<String, String> env = Map.of("STORAGE_PLUGINS_DIR", plugins.toString());
    Cli.Result list = Cli.run(env, "--list-plugins");
    assertThat(list.exitCode()).isZero();
    assertThat(list.output()).contains("broken").contains("com.example.Missing");

    Path src = Files.createDirectories(tmp.resolve("model"));
    Files.writeString(src.resolve("model.pt"), "weights");
    Cli.Result ok = Cli.run(env, src.toString(), tmp.resolve("out").toString());
    assertThat(ok.exitCode()).as(ok.output()).isZero();
    assertThat(ok.output()).contains("plugin failed to load");
    assertThat(tmp.resolve("out/model.pt")).hasContent("weights");
  }

  @Test
  void aSourceUnderMntModelsIsMultiModelServingAndDownloadsNothing() throws Exception {
    Path dest = tmp.resolve("dest");
    Cli.Result r = Cli.run(Map.of(), "/mnt/models/some-model", dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(dest).isEmptyDirectory();
  }

  @Test
  void invalidConfigurationIsReportedAllAtOnce() throws Exception {
    Cli.Result r =
        Cli.run(
            Map.of(
                "STORAGE_CONCURRENCY",
                "many",
                "STORAGE_PVC_MODE",
                "teleport",
                "STORAGE_CONFIG",
                "{not json"),
            tmp.toString(),
            tmp.resolve("out").toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.output())
        .contains("3 problems")
        .contains("STORAGE_CONCURRENCY=many")
        .contains("STORAGE_PVC_MODE=teleport")
        .contains("STORAGE_CONFIG is not valid JSON");
  }

  @Test
  void secretsNeverReachTheLog() throws Exception {
    String secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";
    Cli.Result r =
        Cli.run(
            Map.of(
                "AWS_SECRET_ACCESS_KEY",
                secret,
                "STORAGE_LOG_LEVEL",
                "debug",
                "STORAGE_CONFIG",
                "{\"type\":\"s3\",\"secret_access_key\":\"" + secret + "\"}"),
            "gs://" + secret + "/model",
            tmp.resolve("out").toString());
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.output()).doesNotContain(secret).contains("****");
  }

  static void copyTree(Path from, Path to) throws Exception {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
