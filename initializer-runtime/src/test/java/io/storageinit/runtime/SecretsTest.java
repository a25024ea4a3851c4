package io.storageinit.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.storageinit.kit.Uris;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SecretsTest {
  @Test
  void secretNamedVariablesAreMaskedAndOthersAreNot() {
    Secrets s = new Secrets();
    s.addFromEnvironment(
        Map.of(
            "AWS_SECRET_ACCESS_KEY", "abcdef123456",
            "AWS_ACCESS_KEY_ID", "AKIAEXAMPLE",
            "example.com-headers", "{\"Authorization\": \"Bearer xyz789\"}",
            "HDFS_SECRET_DIR", "/var/secrets/hdfs",
            "AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token"));
    assertThat(s.mask("key abcdef123456 id AKIAEXAMPLE")).isEqualTo("key **** id AKIAEXAMPLE");
    assertThat(s.mask("read /var/secrets/hdfs/TLS_CA and /var/run/token"))
        .isEqualTo("read /var/secrets/hdfs/TLS_CA and /var/run/token");
    assertThat(s.mask("{\"Authorization\": \"Bearer xyz789\"}")).isEqualTo("****");
  }

  @Test
  void declaredKeysAndRegisteredValuesAreMasked() {
    Secrets s = new Secrets();
    s.addKeys(Map.of("KERBEROS_PRINCIPAL", "svc@REALM", "custom", "v4lue"), Set.of("custom"));
    s.add("tok-en");
    assertThat(s.mask("svc@REALM v4lue tok-en")).isEqualTo("svc@REALM **** ****");
  }

  @Test
  void aSecretThatHoldsAnotherIsMaskedWhole() {
    Secrets s = new Secrets();
    s.add("abc123");
    s.add("  abc123xyz ");
    s.add("zz");
    s.add("abc123");
    assertThat(s.mask("abc123xyz abc123 zz")).isEqualTo("**** **** zz");
  }

  @Test
  void theStreamMasksASecretSplitAcrossWrites() {
    Secrets s = new Secrets();
    s.add("s3cr3tvalue");
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    PrintStream out = s.maskingStream(sink);
    out.print("before s3cr");
    out.print("3tvalue after\n");
    out.flush();
    assertThat(sink.toString(StandardCharsets.UTF_8)).isEqualTo("before **** after\n");
  }

  @Test
  void uriCredentialsAreRedacted() {
    assertThat(Uris.redact("https://user:pass@host/m.bin")).isEqualTo("https://host/m.bin");
    assertThat(Uris.redact("https://h/m.bin?X-Amz-Signature=abc&x=1"))
        .isEqualTo("https://h/m.bin?X-Amz-Signature=****&x=1");
  }

  @Test
  void secretNamesAreRecognisedWhateverTheirCaseAndLocationsAreNot() {
    assertThat(Secrets.secretName("AWS_SECRET_ACCESS_KEY")).isTrue();
    assertThat(Secrets.secretName("aws_session_token")).isTrue();
    assertThat(Secrets.secretName("HF_TOKEN")).isTrue();
    assertThat(Secrets.secretName("DB_Password")).isTrue();
    assertThat(Secrets.secretName("HDFS_KEYTAB")).isTrue();
    assertThat(Secrets.secretName("GOOGLE_APPLICATION_CREDENTIALS_JSON")).isTrue();
    assertThat(Secrets.secretName("TLS_KEY")).isTrue();
    assertThat(Secrets.secretName("example.com-headers")).isTrue();
    assertThat(Secrets.secretName("HDFS_SECRET_DIR")).isFalse();
    assertThat(Secrets.secretName("AWS_WEB_IDENTITY_TOKEN_FILE")).isFalse();
    assertThat(Secrets.secretName("KEYTAB_PATH")).isFalse();
    assertThat(Secrets.secretName("AWS_ACCESS_KEY_ID")).isFalse();
    assertThat(Secrets.secretName("headers")).isFalse();
  }
}
