package io.storageinit.s3;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.storageinit.kit.Malformed;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * S3's listing and error documents on any bytes: a page whose entries all have a key, a size of at
 * least 0 and a date, or {@link Malformed} ("the store's answer is not valid"); never another
 * exception. Negative sizes and dates that do not parse are among what the fuzzer tries.
 */
class S3ListingFuzz {
  @FuzzTest(maxDuration = "10s")
  void anyListing(byte[] data) {
    fuzzerTestOneInput(data);
  }

  /** The target, also for Jazzer's command line (bench/fuzz-long.sh). */
  public static void fuzzerTestOneInput(byte[] data) {
    try {
      S3Xml.Page page = S3Xml.listPage(new ByteArrayInputStream(data));
      for (S3Xml.Entry e : page.entries()) {
        if (e.key() == null || e.size() < 0) {
          throw new IllegalStateException("accepted " + e);
        }
      }
    } catch (Malformed expected) {
      // The documented failure.
    } catch (IOException e) {
      throw new IllegalStateException("an I/O error other than Malformed from bytes", e);
    }
    try {
      S3Xml.error(new ByteArrayInputStream(data));
    } catch (Malformed expected) {
      // The documented failure.
    } catch (IOException e) {
      throw new IllegalStateException("an I/O error other than Malformed from bytes", e);
    }
  }
}
