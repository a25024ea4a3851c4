package io.storageinit.kit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.storageinit.api.StorageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ContentRangeTest {
  @Test
  void theRangeAskedForPasses() {
    ContentRange.check("bytes 100-199/1000", 100, 100, 1000, "x");
    ContentRange.check("bytes 900-999/1000", 900, -1, 1000, "x");
    ContentRange.check("bytes 900-999/*", 900, 100, -1, "x");
    // A range asked past the end is answered up to the last byte.
    ContentRange.check("bytes 900-999/1000", 900, 500, 1000, "x");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "bytes 101-200/1000",
        "bytes 100-198/1000",
        "bytes 100-199/2000",
        "bytes 100-199",
        "bytes */1000",
        "items 100-199/1000",
        "bytes 199-100/1000",
        "bytes 100-199/150",
        "bytes -100-199/1000",
        "bytes 100-199/1000x",
        ""
      })
  void anyOtherRangeIsARetryableIntegrityFailure(String header) {
    assertThatThrownBy(() -> ContentRange.check(header, 100, 100, 1000, "s3://b/k"))
        .isInstanceOfSatisfying(
            StorageException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(StorageException.Kind.INTEGRITY);
              assertThat(e.retryable()).isTrue();
            })
        .hasMessageContaining("s3://b/k answered the range 100-199/1000");
  }

  @Test
  void noHeaderAtAllIsAMismatch() {
    assertThatThrownBy(() -> ContentRange.check(null, 0, 1, -1, "x"))
        .hasMessageContaining("(none)");
  }
}
