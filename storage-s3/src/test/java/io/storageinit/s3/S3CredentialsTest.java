package io.storageinit.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.storageinit.api.RemoteObject;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageException;
import io.storageinit.tck.TestProviderContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without keys in the configuration, requests are signed with what the AWS SDK's default chain
 * finds: here a profile file, as the SDK reads it.
 */
class S3CredentialsTest {
  static TestS3Server server;

  /** The SDK's own settings, pointed at this test's files, and instance metadata off. */
  static final List<String> SDK_PROPERTIES =
      List.of("aws.sharedCredentialsFile", "aws.configFile", "aws.disableEc2Metadata");

  @TempDir Path home;
  final Map<String, String> saved = new HashMap<>();

  @BeforeAll
  static void start() throws Exception {
    server = TestS3Server.start(false);
    server.bucket("creds");
    server.put("creds", "m/weights.bin", "weights".getBytes(StandardCharsets.UTF_8));
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  @BeforeEach
  void pointTheSdkHere() {
    // The chain reads these before any file; a machine that sets them is not this test's.
    assumeTrue(System.getenv("AWS_ACCESS_KEY_ID") == null);
    assumeTrue(System.getenv("AWS_WEB_IDENTITY_TOKEN_FILE") == null);
    for (String p : SDK_PROPERTIES) {
      saved.put(p, System.getProperty(p));
    }
    System.setProperty("aws.sharedCredentialsFile", home.resolve("credentials").toString());
    System.setProperty("aws.configFile", home.resolve("config").toString());
    System.setProperty("aws.disableEc2Metadata", "true");
  }

  @AfterEach
  void restore() {
    saved.forEach(
        (p, v) -> {
          if (v == null) {
            System.clearProperty(p);
          } else {
            System.setProperty(p, v);
          }
        });
  }

  static StorageClient clientWithoutKeys() {
    Map<String, String> env = new HashMap<>(server.environment());
    env.remove("AWS_ACCESS_KEY_ID");
    env.remove("AWS_SECRET_ACCESS_KEY");
    return new S3StorageProvider().open(new TestProviderContext(env));
  }

  @Test
  void withoutKeysTheDefaultChainSignsWithAProfile() throws Exception {
    Files.writeString(
        home.resolve("credentials"),
        "[default]\naws_access_key_id = "
            + TestS3Server.ACCESS_KEY
            + "\naws_secret_access_key = "
            + TestS3Server.SECRET_KEY
            + "\n");
    try (StorageClient client = clientWithoutKeys()) {
      assertThat(client.list("s3://creds/m").objects())
          .extracting(RemoteObject::path)
          .containsExactly("weights.bin");
    }
  }

  @Test
  void withNoCredentialsAnywhereTheErrorSaysHowToGiveThem() {
    try (StorageClient client = clientWithoutKeys()) {
      assertThatThrownBy(() -> client.list("s3://creds/m"))
          .isInstanceOfSatisfying(
              StorageException.class,
              e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.UNAUTHENTICATED))
          .hasMessageContaining("No AWS credentials for s3://creds/m")
          .hasMessageContaining("AWS_ACCESS_KEY_ID");
    }
  }
}
