package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.storageinit.s3.TestS3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** S3 over HTTPS with a private CA: AWS_CA_BUNDLE, KServe's CA ConfigMap, and S3_VERIFY_SSL=0. */
class S3TlsIT {
  @TempDir static Path tmp;
  static TestS3Server s3;
  static TestCertificates certs;

  @BeforeAll
  static void start() throws Exception {
    certs = TestCertificates.create(tmp);
    s3 = TestS3Server.startWithTls(certs.keystore(), certs.password());
    s3.bucket("secure-models").put("secure-models", "m/model.bin", new byte[] {7, 7, 7});
  }

  @AfterAll
  static void stop() throws Exception {
    s3.close();
  }

  Cli.Result fetch(Map<String, String> extra, Path dest) throws Exception {
    Map<String, String> env = new HashMap<>(s3.environment());
    env.put("AWS_ENDPOINT_URL", s3.secureEndpoint());
    env.putAll(extra);
    return Cli.run(env, "s3://secure-models/m/model.bin", dest.toString());
  }

  @Test
  void anUnknownCaFailsNamingTheCaInUse() throws Exception {
    Cli.Result r = fetch(Map.of("S3_MAX_ATTEMPTS", "1"), tmp.resolve("a"));
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.output()).contains("TLS with the S3 endpoint failed").contains("system CAs only");
  }

  @Test
  void awsCaBundleIsTrusted() throws Exception {
    Path dest = tmp.resolve("b");
    Cli.Result r = fetch(Map.of("AWS_CA_BUNDLE", certs.pem().toString()), dest);
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Files.readAllBytes(dest.resolve("model.bin"))).containsExactly(7, 7, 7);
  }

  @Test
  void kserveCaBundleConfigMapIsTrusted() throws Exception {
    Path mount = Files.createDirectories(tmp.resolve("certs"));
    Files.copy(
        certs.pem(),
        mount.resolve("cabundle.crt"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Path dest = tmp.resolve("c");
    Cli.Result r =
        fetch(
            Map.of(
                "CA_BUNDLE_CONFIGMAP_NAME", "ca", "CA_BUNDLE_VOLUME_MOUNT_POINT", mount.toString()),
            dest);
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(dest.resolve("model.bin")).hasSize(3);
  }

  @Test
  void verificationCanBeSwitchedOff() throws Exception {
    Path dest = tmp.resolve("d");
    Cli.Result r = fetch(Map.of("S3_VERIFY_SSL", "0"), dest);
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(dest.resolve("model.bin")).hasSize(3);
  }
}
