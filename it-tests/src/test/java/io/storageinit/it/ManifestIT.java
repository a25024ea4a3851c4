package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code storage-initializer manifest} prints a ClusterStorageContainer that KServe's own CRD
 * accepts, with exactly the installed plugins' URI formats.
 */
class ManifestIT {
  /** KServe's CRD, copied into the test resources (see kserve/README.md there). */
  static final String CRD = "/kserve/serving.kserve.io_clusterstoragecontainers.yaml";

  @TempDir Path tmp;

  @SuppressWarnings("unchecked")
  static Map<String, Object> crdSchema() throws Exception {
    Map<String, Object> crd =
        new Yaml()
            .load(
                new String(
                    ManifestIT.class.getResourceAsStream(CRD).readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8));
    Map<String, Object> spec = (Map<String, Object>) crd.get("spec");
    Map<String, Object> version = ((List<Map<String, Object>>) spec.get("versions")).get(0);
    return (Map<String, Object>)
        ((Map<String, Object>) version.get("schema")).get("openAPIV3Schema");
  }

  /** The manifest a run printed, after checking it against KServe's CRD. */
  static Map<String, Object> validManifest(Cli.Result r) throws Exception {
    assertThat(r.exitCode()).as(r.output()).isZero();
    Map<String, Object> manifest = new Yaml().load(r.output());
    List<String> problems = new ArrayList<>();
    StructuralSchema.check(manifest, crdSchema(), "", problems);
    assertThat(problems).isEmpty();
    return manifest;
  }

  @Test
  void theManifestIsValidForKServesCrdAndListsTheInstalledFormats() throws Exception {
    Cli.Result r =
        Cli.run(
            Map.of(),
            "manifest",
            "--image",
            "registry.example/storage-initializer:1.0",
            "--name",
            "si-all");
    Map<String, Object> manifest = validManifest(r);
    assertThat(manifest)
        .containsEntry("kind", "ClusterStorageContainer")
        .containsEntry("apiVersion", "serving.kserve.io/v1alpha1");
    assertThat(r.output())
        .contains("- regex: \"https?://(.+)/(.+)\"")
        .contains("- prefix: \"pvc://\"")
        // The strings of KServe's default ClusterStorageContainer for GCS and Azure.
        .contains("- prefix: \"gs://\"")
        .contains("- regex: \"https://(.+?).blob.core.windows.net/(.+)\"")
        .contains("- regex: \"https://(.+?).file.core.windows.net/(.+)\"")
        .contains("workloadType: initContainer")
        .contains("image: \"registry.example/storage-initializer:1.0\"");
  }

  @Test
  void theLocalModelCacheJobManifestIsValidAndMarkedForTheNodeAgent() throws Exception {
    Cli.Result r =
        Cli.run(
            Map.of(),
            "manifest",
            "--image",
            "registry.example/storage-initializer:1.0",
            "--workload-type",
            "localModelDownloadJob");
    Map<String, Object> manifest = validManifest(r);
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) manifest.get("spec");
    @SuppressWarnings("unchecked")
    Map<String, Object> metadata = (Map<String, Object>) manifest.get("metadata");
    // The node agent takes the first ClusterStorageContainer of this type whose formats match.
    assertThat(spec).containsEntry("workloadType", "localModelDownloadJob");
    assertThat(spec).doesNotContainKey("supportsMultiModelDownload");
    assertThat(metadata).containsEntry("name", "storage-initializer-localmodel");
    assertThat(r.output()).contains("- prefix: \"s3://\"");

    Cli.Result wrong =
        Cli.run(Map.of(), "manifest", "--image", "img:1", "--workload-type", "daemonSet");
    assertThat(wrong.exitCode()).isEqualTo(2);
    assertThat(wrong.output()).contains("'daemonSet' is not one KServe knows");
  }

  @Test
  void aPluginSetGetsOnlyItsOwnFormats() throws Exception {
    Distribution dist = Distribution.copy(tmp, "http");
    Cli.Result r = dist.run(Map.of(), "manifest", "--image", "img:1");
    assertThat(r.exitCode()).as(r.output()).isZero();
    Map<String, Object> manifest = new Yaml().load(r.output());
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) manifest.get("spec");
    assertThat(spec.get("supportedUriFormats"))
        .isEqualTo(List.of(Map.of("regex", "https?://(.+)/(.+)")));
  }

  @Test
  void theValidatorCatchesWhatKubernetesWouldRefuse() throws Exception {
    Map<String, Object> bad =
        Map.of(
            "apiVersion",
            "serving.kserve.io/v1alpha1",
            "kind",
            "ClusterStorageContainer",
            "spec",
            Map.of(
                "container", Map.of("image", "x"), "supportedUriFormats", "s3://", "bogus", true));
    List<String> problems = new ArrayList<>();
    StructuralSchema.check(bad, crdSchema(), "", problems);
    assertThat(problems)
        .anyMatch(p -> p.contains("spec.container") && p.contains("name"))
        .anyMatch(p -> p.contains("spec.supportedUriFormats") && p.contains("array"))
        .anyMatch(p -> p.contains("spec.bogus"));
  }

  @Test
  void missingImageIsAUsageError() throws Exception {
    Cli.Result r = Cli.run(Map.of(), "manifest");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.output()).contains("--image is required");
  }
}
