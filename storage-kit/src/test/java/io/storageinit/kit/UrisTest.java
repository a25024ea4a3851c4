package io.storageinit.kit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UrisTest {
  @Test
  void userInfoGoesAndSignedUrlSecretsAreMasked() {
    assertThat(Uris.redact("https://user:pass@host/m.bin")).isEqualTo("https://host/m.bin");
    assertThat(
            Uris.redact(
                "https://storage.googleapis.com/b/o?X-Goog-Algorithm=GOOG4&X-Goog-Credential=sa%40p"
                    + "&X-Goog-Signature=abc123&X-Goog-Expires=600"))
        .isEqualTo(
            "https://storage.googleapis.com/b/o?X-Goog-Algorithm=GOOG4&X-Goog-Credential=****"
                + "&X-Goog-Signature=****&X-Goog-Expires=600");
    assertThat(Uris.redact("https://a.blob.core.windows.net/c/m?sv=2022&sig=s3cr3t&se=x"))
        .isEqualTo("https://a.blob.core.windows.net/c/m?sv=2022&sig=****&se=x");
    assertThat(Uris.redact("https://h/m?api_key=k1&token=t1&x=1#frag"))
        .isEqualTo("https://h/m?api_key=****&token=****&x=1#frag");
    assertThat(Uris.redact("s3://bucket/key?versionId=3")).isEqualTo("s3://bucket/key?versionId=3");
  }
}
