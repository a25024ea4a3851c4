package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model repository of 300,000 keys in a 1 Gi container: the listing's pages wait for the engine
 * rather than piling up, and running out of memory is its own exit code, never one that means
 * something else.
 */
class LargeListingIT {
  @TempDir Path tmp;

  static Map<String, String> env(GeneratedS3Server s3, String javaOpts) {
    return Map.of(
        "AWS_ENDPOINT_URL", s3.endpoint(),
        "awsAnonymousCredential", "true",
        "AWS_DEFAULT_REGION", "us-east-1",
        "STORAGE_VALIDATORS", "none",
        "JAVA_OPTS", javaOpts);
  }

  @Test
  void threeHundredThousandKeysFitInAOneGibContainer() throws Exception {
    int n = 300_000;
    try (GeneratedS3Server s3 = new GeneratedS3Server(n, 1)) {
      Path dest = tmp.resolve("mnt/models");
      // What the JVM sees in a container with a 1 Gi memory limit.
      Cli.Result r = Cli.run(env(s3, "-XX:MaxRAM=1g"), "s3://b/m", dest.toString());
      assertThat(r.exitCode()).as(tail(r.output())).isZero();
      assertThat(s3.pages.get()).isEqualTo(n / 1000);
      assertThat(s3.reads.get()).isEqualTo(n);
      try (Stream<Path> files = Files.walk(dest)) {
        assertThat(files.filter(Files::isRegularFile).count()).isEqualTo(n);
      }
      assertThat(dest.resolve(GeneratedS3Server.key(n - 1).substring(2))).exists();
    }
  }

  @Test
  void runningOutOfMemoryIsExitNineNotAnAccessError() throws Exception {
    try (GeneratedS3Server s3 = new GeneratedS3Server(300_000, 0)) {
      Cli.Result r =
          Cli.run(
              env(s3, "-Xms16m -Xmn4m -Xmx24m"), "s3://b/m", tmp.resolve("mnt/models").toString());
      assertThat(r.exitCode()).as(tail(r.output())).isEqualTo(9);
      assertThat(r.output()).contains("out of memory (exit 9)");
    }
  }

  private static String tail(String output) {
    return output.length() < 4000 ? output : output.substring(output.length() - 4000);
  }
}
