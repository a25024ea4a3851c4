package io.storageinit.kit;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.storageinit.api.StorageException;

/**
 * Content-Range on any value: parsed ranges are consistent, and a check passes only for exactly the
 * range asked for; it fails only with a retryable integrity error.
 */
class ContentRangeFuzz {
  @FuzzTest(maxDuration = "10s")
  void anyValue(FuzzedDataProvider data) {
    fuzzerTestOneInput(data);
  }

  /** The target, also for Jazzer's command line (bench/fuzz-long.sh). */
  public static void fuzzerTestOneInput(FuzzedDataProvider data) {
    long offset = data.consumeLong(0, 1L << 40);
    long length = data.consumeLong(-1, 1L << 40);
    long size = data.consumeLong(-1, 1L << 41);
    String value = data.consumeRemainingAsString();
    ContentRange.Range r = ContentRange.parse(value);
    if (r != null
        && (r.first() < 0
            || r.last() < r.first()
            || (r.complete() != -1 && r.last() >= r.complete()))) {
      throw new IllegalStateException("inconsistent " + r + " from " + value);
    }
    try {
      ContentRange.check(value, offset, length, size, "x");
      if (r == null || r.first() != offset) {
        throw new IllegalStateException("accepted " + value + " for offset " + offset);
      }
    } catch (StorageException e) {
      if (e.kind() != StorageException.Kind.INTEGRITY || !e.retryable()) {
        throw e;
      }
    }
  }
}
