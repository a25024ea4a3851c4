package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bin script runs C1 alone when no URI can need TLS, and the JVM's full JIT otherwise: the
 * JDK's AES-GCM is fast only in C2-compiled code. It also turns off the JVM's performance-data
 * file. Read from the flags the JVM reports.
 */
class JitChoiceIT {
  @TempDir java.nio.file.Path tmp;

  private static final Pattern LEVEL = Pattern.compile("intx TieredStopAtLevel\\s+=\\s+(\\d+)");

  /** The highest JIT tier of a run with these arguments and environment. */
  private int tier(Map<String, String> env, String... args) throws Exception {
    String flags = flags(env, args);
    Matcher m = LEVEL.matcher(flags);
    assertThat(m.find()).as(flags).isTrue();
    return Integer.parseInt(m.group(1));
  }

  /** The JVM flags of a run with these arguments and environment, as the JVM prints them. */
  private static String flags(Map<String, String> env, String... args) throws Exception {
    Map<String, String> all = new HashMap<>(env);
    all.put("JAVA_OPTS", "-XX:+PrintFlagsFinal");
    all.put("STORAGE_MAX_ATTEMPTS", "1");
    all.put("S3_MAX_ATTEMPTS", "1");
    all.put("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
    all.put("AWS_SECRET_ACCESS_KEY", "not-a-secret-of-anyone");
    return Cli.run(all, args).output();
  }

  @Test
  void aRunKeepsNoPerformanceDataFile() throws Exception {
    assertThat(flags(Map.of(), "http://127.0.0.1:1/m.bin", dest()))
        .containsPattern("bool UsePerfData\\s+= false");
  }

  private String dest() {
    return tmp.resolve("out").toString();
  }

  @Test
  void plainHttpAndLocalFilesRunOnC1Alone() throws Exception {
    assertThat(tier(Map.of(), "http://127.0.0.1:1/m.bin", dest())).isEqualTo(1);
    assertThat(tier(Map.of(), tmp.toString(), dest())).isEqualTo(1);
  }

  @Test
  void anythingThatMaySpeakTlsGetsC2() throws Exception {
    assertThat(tier(Map.of(), "https://127.0.0.1:1/m.bin", dest())).isEqualTo(4);
    assertThat(tier(Map.of(), "http://127.0.0.1:1/a", dest(), "https://127.0.0.1:1/b", dest()))
        .isEqualTo(4);
    assertThat(tier(Map.of(), "hdfs://127.0.0.1:1/m", dest())).isEqualTo(4);
    // Decrypting confidential models is AES and GHASH: their intrinsics live in C2.
    assertThat(tier(Map.of("CONFIDENTIAL_ENABLED", "True"), "http://127.0.0.1:1/m.bin", dest()))
        .isEqualTo(4);
  }

  @Test
  void s3RunsOnC1AloneOnlyAgainstAPlainHttpEndpoint() throws Exception {
    String uri = "s3://bucket/model";
    // AWS itself is https.
    assertThat(tier(Map.of("AWS_DEFAULT_REGION", "us-east-1"), uri, dest())).isEqualTo(4);
    assertThat(tier(Map.of("AWS_ENDPOINT_URL", "http://127.0.0.1:1"), uri, dest())).isEqualTo(1);
    assertThat(tier(Map.of("AWS_ENDPOINT_URL", "https://127.0.0.1:1"), uri, dest())).isEqualTo(4);
    assertThat(tier(Map.of("S3_ENDPOINT", "127.0.0.1:1", "S3_USE_HTTPS", "0"), uri, dest()))
        .isEqualTo(1);
    assertThat(tier(Map.of("S3_ENDPOINT", "127.0.0.1:1", "S3_USE_HTTPS", "False"), uri, dest()))
        .isEqualTo(1);
    assertThat(tier(Map.of("S3_ENDPOINT", "127.0.0.1:1"), uri, dest())).isEqualTo(4);
    // STORAGE_CONFIG's endpoint wins over the environment's, as it does for the S3 plugin.
    assertThat(
            tier(
                Map.of(
                    "AWS_ENDPOINT_URL", "http://127.0.0.1:1",
                    "STORAGE_CONFIG",
                        "{\"type\": \"s3\", \"endpoint_url\": \"https://127.0.0.1:1\"}"),
                uri,
                dest()))
        .isEqualTo(4);
    assertThat(
            tier(
                Map.of(
                    "STORAGE_CONFIG",
                    "{\"type\": \"s3\", \"endpoint_url\": \"http://127.0.0.1:1\"}"),
                uri,
                dest()))
        .isEqualTo(1);
    // And the override's over STORAGE_CONFIG's.
    assertThat(
            tier(
                Map.of(
                    "STORAGE_CONFIG",
                    "{\"type\": \"s3\", \"endpoint_url\": \"http://127.0.0.1:1\"}",
                    "STORAGE_OVERRIDE_CONFIG",
                    "{\"endpoint_url\": \"https://127.0.0.1:2\"}"),
                uri,
                dest()))
        .isEqualTo(4);
  }

  @Test
  void gcsAndAzureRunOnC1AloneOnlyAgainstAPlainHttpEndpoint() throws Exception {
    String gs = "gs://bucket/model";
    assertThat(tier(Map.of("NO_GCE_CHECK", "true"), gs, dest())).isEqualTo(4);
    assertThat(tier(Map.of("STORAGE_EMULATOR_HOST", "127.0.0.1:1"), gs, dest())).isEqualTo(1);
    assertThat(tier(Map.of("STORAGE_EMULATOR_HOST", "https://127.0.0.1:1"), gs, dest()))
        .isEqualTo(4);
    assertThat(tier(Map.of("GCS_ENDPOINT", "http://127.0.0.1:1"), gs, dest())).isEqualTo(1);
    String blob = "https://acct.blob.core.windows.net/c/model";
    assertThat(tier(Map.of(), blob, dest())).isEqualTo(4);
    assertThat(tier(Map.of("AZURE_BLOB_ENDPOINT", "http://127.0.0.1:1/{account}"), blob, dest()))
        .isEqualTo(1);
    String share = "https://acct.file.core.windows.net/s/model";
    assertThat(tier(Map.of("AZURE_BLOB_ENDPOINT", "http://127.0.0.1:1/{account}"), share, dest()))
        .isEqualTo(4);
    assertThat(tier(Map.of("AZURE_FILE_ENDPOINT", "http://127.0.0.1:1/{account}"), share, dest()))
        .isEqualTo(1);
  }
}
