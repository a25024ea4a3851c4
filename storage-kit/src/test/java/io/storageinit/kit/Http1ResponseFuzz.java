package io.storageinit.kit;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * The HTTP/1.1 response parser (status line, header fields, fixed, chunked and close-delimited
 * bodies) on any bytes a server could send: it either reads a response or fails with an
 * IOException; nothing else, no hang, and no body longer than the bytes it was given.
 */
class Http1ResponseFuzz {
  @FuzzTest(maxDuration = "10s")
  void anyAnswer(byte[] data) {
    fuzzerTestOneInput(data);
  }

  /** The target, also for Jazzer's command line (bench/fuzz-long.sh). */
  public static void fuzzerTestOneInput(byte[] data) {
    boolean head = data.length > 0 && (data[0] & 1) == 1;
    try {
      Http1.Response r = Http1.parse(head ? "HEAD" : "GET", data);
      if (r.status() < 0 || r.status() > 999) {
        throw new IllegalStateException("status " + r.status());
      }
      long total = 0;
      try (InputStream body = r.body()) {
        if ((data.length & 2) == 2 && body instanceof ReadableByteChannel ch) {
          ByteBuffer buf = ByteBuffer.allocateDirect(512);
          for (int n = ch.read(buf); n >= 0; n = ch.read(buf)) {
            total += n;
            buf.clear();
          }
        } else {
          byte[] buf = new byte[300];
          for (int n = body.read(buf); n >= 0; n = body.read(buf)) {
            total += n;
          }
        }
      }
      if (total > data.length) {
        throw new IllegalStateException("a body of " + total + " bytes from " + data.length);
      }
    } catch (IOException expected) {
      // Not HTTP, or cut short: the documented failure.
    }
  }
}
