package io.storageinit.runtime;

import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import io.storageinit.api.UriFormat;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code storage-initializer manifest --image IMAGE [--name NAME] [--workload-type TYPE]}: prints
 * the KServe {@code ClusterStorageContainer} for the installed plugin set, so the webhook sends
 * exactly the URIs these plugins serve to this image. {@code --workload-type localModelDownloadJob}
 * makes the one KServe's LocalModelCache node agent runs as a Job per model and node, {@code
 * [sourceModelUri, /mnt/models]} into a node-local volume.
 */
final class Manifest {
  static final String USAGE =
      "Usage: storage-initializer manifest --image IMAGE [--name NAME]"
          + " [--workload-type initContainer|localModelDownloadJob]";

  /** KServe's two workload types (v1alpha1 ClusterStorageContainer {@code spec.workloadType}). */
  static final String INIT_CONTAINER = "initContainer";

  static final String LOCAL_MODEL_DOWNLOAD_JOB = "localModelDownloadJob";
  private static final Pattern DNS_NAME =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private Manifest() {}

  /** Parses the arguments after {@code manifest} and renders the YAML. */
  static String render(List<String> args, PluginRegistry registry) {
    String image = null;
    String name = null;
    String workload = INIT_CONTAINER;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if ((a.equals("--image") || a.equals("--name") || a.equals("--workload-type"))
          && i + 1 < args.size()) {
        String v = args.get(++i);
        switch (a) {
          case "--image" -> image = v;
          case "--name" -> name = v;
          default -> workload = v;
        }
      } else {
        throw new StorageException(
            Kind.INVALID_CONFIG, "Unexpected argument '" + a + "'. " + USAGE);
      }
    }
    if (!workload.equals(INIT_CONTAINER) && !workload.equals(LOCAL_MODEL_DOWNLOAD_JOB)) {
      throw new StorageException(
          Kind.INVALID_CONFIG,
          "--workload-type '"
              + workload
              + "' is not one KServe knows: use "
              + INIT_CONTAINER
              + " or "
              + LOCAL_MODEL_DOWNLOAD_JOB);
    }
    boolean job = workload.equals(LOCAL_MODEL_DOWNLOAD_JOB);
    if (name == null) {
      name = job ? "storage-initializer-localmodel" : "storage-initializer";
    }
    if (image == null || image.isBlank()) {
      throw new StorageException(Kind.INVALID_CONFIG, "--image is required. " + USAGE);
    }
    if (name.length() > 253 || !DNS_NAME.matcher(name).matches()) {
      throw new StorageException(
          Kind.INVALID_CONFIG,
          "--name '"
              + name
              + "' is not a valid Kubernetes name (lower-case letters, digits, '-', '.')");
    }
    Set<UriFormat> formats = new LinkedHashSet<>();
    for (PluginRegistry.ProviderEntry p : registry.providers()) {
      formats.addAll(p.instantiate().uriFormats());
    }
    if (formats.isEmpty()) {
      throw new StorageException(
          Kind.INVALID_CONFIG, "No provider is installed: the manifest would serve no URI");
    }
    List<String> lines = new ArrayList<>();
    lines.add("apiVersion: serving.kserve.io/v1alpha1");
    lines.add("kind: ClusterStorageContainer");
    lines.add("metadata:");
    lines.add("  name: " + name);
    lines.add("spec:");
    lines.add("  container:");
    lines.add("    name: storage-initializer");
    lines.add("    image: " + quote(image));
    lines.add("    imagePullPolicy: IfNotPresent");
    lines.add("    resources:");
    lines.add("      requests:");
    lines.add("        memory: 100Mi");
    lines.add("        cpu: 100m");
    lines.add("      limits:");
    lines.add("        memory: 1Gi");
    lines.add("        cpu: \"1\"");
    lines.add("  supportedUriFormats:");
    for (UriFormat f : formats) {
      lines.add(
          f.prefix() != null
              ? "    - prefix: " + quote(f.prefix())
              : "    - regex: " + quote(f.regex()));
    }
    lines.add("  workloadType: " + workload);
    if (!job) {
      // One Job per model: the node agent never asks a download job for several.
      lines.add("  supportsMultiModelDownload: true");
    }
    return String.join("\n", lines) + "\n";
  }

  /** A YAML double-quoted scalar (JSON string rules), safe for any text. */
  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
