package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.storageinit.s3.TestS3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/storage-initializer-train writes a start-up cache the launcher then maps: a class-data
 * sharing archive on this Java 17, an ahead-of-time cache on Java 25 where one is installed. The
 * runs use -Xshare:on / -XX:AOTMode=on, so a cache the JVM could not use fails them.
 */
class JvmCacheIT {
  static final Path TRAIN = Cli.HOME.resolve("bin/storage-initializer-train");

  @TempDir Path tmp;

  @Test
  void aClassDataSharingArchiveIsWrittenAndUsed() throws Exception {
    Path archive = tmp.resolve("storage-initializer.jsa");
    train(archive, Map.of());
    fetchTheSampleWithClassesFromTheCache(
        Map.of("STORAGE_JVM_CACHE", archive.toString(), "JAVA_OPTS", "-Xshare:on"));
  }

  @Test
  void onJava25AnAheadOfTimeCacheIsWrittenAndUsed() throws Exception {
    Optional<Path> java25 = java25();
    org.junit.jupiter.api.Assumptions.assumeTrue(java25.isPresent(), "no Java 25 installed");
    Path cache = tmp.resolve("storage-initializer.aot");
    train(cache, Map.of("JAVA_HOME", java25.get().toString()));
    fetchTheSampleWithClassesFromTheCache(
        Map.of(
            "JAVA_HOME",
            java25.get().toString(),
            "STORAGE_JVM_CACHE",
            cache.toString(),
            "JAVA_OPTS",
            "-XX:AOTMode=on"));
  }

  /** {@code env}'s JAVA_OPTS must make the JVM fail when it cannot map the cache. */
  private void fetchTheSampleWithClassesFromTheCache(Map<String, String> env) throws Exception {
    Map<String, String> logged = new HashMap<>(env);
    logged.put("JAVA_OPTS", env.get("JAVA_OPTS") + " -Xlog:class+load=info");
    Path dest = tmp.resolve("out");
    Cli.Result r = Cli.run(logged, SampleModelIT.SAMPLE.toString(), dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(dest.resolve("config.json")).exists();
    // The runtime's own classes (not only the JDK's) come from the cache.
    assertThat(r.output())
        .containsPattern("io\\.storageinit\\.runtime\\.Main source: shared objects file");

    // Trained against the S3 plugin's throwaway endpoint, the cache also holds what a real S3
    // download runs: the plugin's transport and listing parser, the engine, the safetensors check.
    try (TestS3Server s3 = TestS3Server.start(false)) {
      s3.bucket("cached");
      s3.put("cached", "m/config.json", "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      s3.put("cached", "m/model.safetensors", safetensors(12 << 20));
      Map<String, String> withS3 = new HashMap<>(logged);
      withS3.putAll(s3.environment());
      Cli.Result fromS3 = Cli.run(withS3, "s3://cached/m", tmp.resolve("s3").toString());
      assertThat(fromS3.exitCode()).as(fromS3.output()).isZero();
      assertThat(tmp.resolve("s3/model.safetensors")).hasSize(safetensors(12 << 20).length);
      for (String cached :
          List.of(
              "io.storageinit.s3.S3Transport",
              "io.storageinit.s3.S3Xml",
              "io.storageinit.runtime.TransferEngine",
              "io.storageinit.kit.JsonReader",
              "io.storageinit.kit.Http1")) {
        assertThat(fromS3.output())
            .as(cached)
            .containsPattern(
                java.util.regex.Pattern.quote(cached) + " source: shared objects file");
      }
    }
  }

  /** A valid safetensors file: one U8 tensor of {@code dataBytes}. */
  static byte[] safetensors(int dataBytes) {
    byte[] header =
        ("{\"w\":{\"dtype\":\"U8\",\"shape\":["
                + dataBytes
                + "],\"data_offsets\":[0,"
                + dataBytes
                + "]}}")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return java.nio.ByteBuffer.allocate(8 + header.length + dataBytes)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .putLong(header.length)
        .put(header)
        .array();
  }

  private void train(Path out, Map<String, String> env) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(TRAIN.toString(), out.toString()).redirectErrorStream(true);
    pb.environment().putAll(new HashMap<>(env));
    Process p = pb.start();
    String log = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(log).isZero();
    assertThat(log).contains("wrote " + out);
    assertThat(Files.size(out)).isGreaterThan(1 << 20);
  }

  private static Optional<Path> java25() throws Exception {
    Path jvms = Path.of("/usr/lib/jvm");
    if (!Files.isDirectory(jvms)) {
      return Optional.empty();
    }
    try (Stream<Path> s = Files.list(jvms)) {
      return s.filter(p -> p.getFileName().toString().matches(".*-25(-.*)?"))
          .filter(p -> Files.isExecutable(p.resolve("bin/java")))
          .findFirst();
    }
  }
}
