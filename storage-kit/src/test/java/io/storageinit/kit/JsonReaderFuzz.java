package io.storageinit.kit;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The JSON reader on any bytes: a tree, or {@link Malformed}; nothing else, and what it reads as
 * whole numbers are whole.
 */
class JsonReaderFuzz {
  @FuzzTest(maxDuration = "10s")
  void anyDocument(byte[] data) {
    fuzzerTestOneInput(data);
  }

  /** The target, also for Jazzer's command line (bench/fuzz-long.sh). */
  public static void fuzzerTestOneInput(byte[] data) {
    try {
      JsonReader.parse(data);
    } catch (Malformed expected) {
      // Not JSON: the documented failure.
    }
    try {
      JsonReader r = JsonReader.of(data);
      if (r.peek() == '{') {
        r.beginObject();
        while (r.nextName() != null) {
          r.wholeNumbers();
        }
      } else {
        r.skipValue();
      }
      r.end();
    } catch (Malformed expected) {
      // As above, through the pull interface.
    }
  }
}
