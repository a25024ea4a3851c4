package io.storageinit.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Runs the built distribution's {@code bin/storage-initializer} as a separate process. */
final class Cli {
  static final Path HOME =
      Path.of(System.getProperty("dist.home", "target/dist/storage-initializer"));
  static final Path BIN = HOME.resolve("bin/storage-initializer");

  record Result(int exitCode, String output) {}

  private Cli() {}

  static Result run(Map<String, String> env, String... args) throws Exception {
    return run(BIN, env, args);
  }

  static Result run(Path bin, Map<String, String> env, String... args) throws Exception {
    Process p = start(bin, env, args);
    String out;
    try (var in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("storage-initializer did not finish in time:\n" + out);
    }
    return new Result(p.exitValue(), out);
  }

  static Process start(Map<String, String> env, String... args) throws IOException {
    return start(BIN, env, args);
  }

  static Process start(Path bin, Map<String, String> env, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(bin.toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    // Hermetic: none of the machine's storage settings (this one sets AWS_CA_BUNDLE, for one).
    pb.environment()
        .keySet()
        .removeIf(
            k ->
                k.startsWith("STORAGE_")
                    || k.startsWith("AWS_")
                    || k.startsWith("S3_")
                    || k.startsWith("CA_BUNDLE_")
                    || k.startsWith("HDFS_")
                    || k.startsWith("HADOOP_")
                    || k.startsWith("GOOGLE_")
                    || k.startsWith("GCE_")
                    || k.startsWith("GCS_")
                    || k.startsWith("AZURE_")
                    || k.startsWith("AZ_")
                    || k.equals("awsAnonymousCredential")
                    || k.equalsIgnoreCase("HTTP_PROXY")
                    || k.equalsIgnoreCase("HTTPS_PROXY")
                    || k.equalsIgnoreCase("NO_PROXY")
                    || k.endsWith("-headers"));
    pb.environment().put("STORAGE_PROGRESS_INTERVAL_SECONDS", "1");
    pb.environment().putAll(env);
    return pb.start();
  }

  /**
   * Every entry under {@code dir} (files, folders, links) as "path" or "path -> target", sorted.
   */
  static Map<String, String> tree(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    if (!Files.exists(dir)) {
      return out;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.naturalOrder()).toList()) {
        if (p.equals(dir)) {
          continue;
        }
        String rel = dir.relativize(p).toString();
        if (Files.isSymbolicLink(p)) {
          out.put(rel, "-> " + Files.readSymbolicLink(p));
        } else if (Files.isDirectory(p)) {
          out.put(rel, "dir");
        } else {
          out.put(rel, "file " + Files.size(p));
        }
      }
    }
    return out;
  }
}
