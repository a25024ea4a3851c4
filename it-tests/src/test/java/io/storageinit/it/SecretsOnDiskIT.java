package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets the HDFS plugin writes from STORAGE_CONFIG (a keytab, TLS keys) go with the run: also
 * when Kubernetes stops the pod with SIGTERM in the middle of it.
 */
class SecretsOnDiskIT {
  @TempDir Path tmp;

  @Test
  void aSigtermMidRunLeavesNoDecodedSecretBehind() throws Exception {
    Path javaTmp = Files.createDirectories(tmp.resolve("java-tmp"));
    // A NameNode that takes the connection and never answers: the run waits there.
    try (SilentServer silent = new SilentServer()) {
      // HEADERS holds a token: the plugin writes it into its private folder, as KServe does.
      String config =
          "{\"type\": \"webhdfs\", \"HDFS_NAMENODE\": \"http://127.0.0.1:"
              + silent.port()
              + "\", \"HEADERS\": \"{\\\"Authorization\\\": \\\"Bearer t0k3n\\\"}\"}";
      Process p =
          Cli.start(
              Map.of("STORAGE_CONFIG", config, "JAVA_OPTS", "-Djava.io.tmpdir=" + javaTmp),
              "webhdfs://models/m",
              tmp.resolve("dest").toString());
      try {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (secretFolders(javaTmp).isEmpty() && System.nanoTime() < until && p.isAlive()) {
          Thread.sleep(50);
        }
        assertThat(secretFolders(javaTmp)).as("the run wrote its secrets").hasSize(1);
        Thread.sleep(500);
        assertThat(p.isAlive()).as("the run waits on the silent NameNode").isTrue();
        p.destroy(); // SIGTERM
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(secretFolders(javaTmp)).isEmpty();
      } finally {
        p.destroyForcibly();
      }
    }
  }

  private static List<Path> secretFolders(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith("storage-initializer-")).toList();
    }
  }
}
