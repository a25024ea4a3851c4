package io.storageinit.kit;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/** The XML reader on any text: events and element texts, or {@link Malformed}; nothing else. */
class XmlReaderFuzz {
  @FuzzTest(maxDuration = "10s")
  void anyDocument(byte[] data) {
    fuzzerTestOneInput(data);
  }

  /** The target, also for Jazzer's command line (bench/fuzz-long.sh). */
  public static void fuzzerTestOneInput(byte[] data) {
    String doc = new String(data, StandardCharsets.UTF_8);
    try {
      XmlReader r = new XmlReader(doc);
      int steps = 0;
      for (int e = r.next(); e != XmlReader.END_DOCUMENT; e = r.next()) {
        if (++steps > data.length + 2) {
          throw new IllegalStateException("more events than characters");
        }
        if (e == XmlReader.START_ELEMENT && (steps & 1) == 1) {
          r.elementText();
        }
      }
    } catch (Malformed expected) {
      // Not well-formed: the documented failure.
    }
  }
}
