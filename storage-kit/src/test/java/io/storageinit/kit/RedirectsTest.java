package io.storageinit.kit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.storageinit.api.StorageException;
import io.storageinit.kit.Redirects.Origin;
import java.net.URI;
import org.junit.jupiter.api.Test;

class RedirectsTest {
  static final URI HTTPS = URI.create("https://models.example.com/m/model.bin");

  @Test
  void credentialsBelongToOneSchemeHostAndPort() {
    Origin owner = Origin.of(HTTPS);
    assertThat(Redirects.mayCarry(owner, URI.create("https://MODELS.example.com:443/other")))
        .isTrue();
    assertThat(Redirects.mayCarry(owner, URI.create("http://models.example.com/m"))).isFalse();
    assertThat(Redirects.mayCarry(owner, URI.create("https://models.example.com:8443/m")))
        .isFalse();
    assertThat(Redirects.mayCarry(owner, URI.create("https://cdn.example.com/m"))).isFalse();
  }

  @Test
  void relativeLocationsResolveAgainstTheHopThatSentThem() {
    assertThat(Redirects.next(HTTPS, "../v2/model.bin", 0, Origin.of(HTTPS), "u"))
        .isEqualTo(URI.create("https://models.example.com/v2/model.bin"));
    assertThat(Redirects.next(HTTPS, "//cdn.example.com/x", 0, null, "u"))
        .isEqualTo(URI.create("https://cdn.example.com/x"));
  }

  @Test
  void aDowngradeToPlainHttpIsRefusedOnlyWhileCredentialsAreInPlay() {
    assertThatThrownBy(
            () -> Redirects.next(HTTPS, "http://cdn.example.com/x", 0, Origin.of(HTTPS), "u"))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("from https to")
        .hasMessageContaining("clear text");
    assertThat(Redirects.next(HTTPS, "http://cdn.example.com/x", 0, null, "u"))
        .isEqualTo(URI.create("http://cdn.example.com/x"));
  }

  @Test
  void loopsOtherSchemesAndMissingLocationsAreRefused() {
    assertThatThrownBy(() -> Redirects.next(HTTPS, "/x", Redirects.MAX_HOPS, null, "u"))
        .hasMessageContaining("more than 10 times");
    assertThatThrownBy(() -> Redirects.next(HTTPS, "file:///etc/passwd", 0, null, "u"))
        .hasMessageContaining("not http(s)");
    assertThatThrownBy(() -> Redirects.next(HTTPS, null, 0, null, "u"))
        .hasMessageContaining("without a Location");
    assertThatThrownBy(() -> Redirects.next(HTTPS, "http://[bad", 0, null, "u"))
        .hasMessageContaining("malformed Location");
  }
}
