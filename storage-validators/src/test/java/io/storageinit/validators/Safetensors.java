package io.storageinit.validators;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes safetensors files for tests: a header given as JSON text and a data section of a size. */
final class Safetensors {
  private Safetensors() {}

  static void write(Path file, String headerJson, int dataBytes) throws Exception {
    byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
    out.write(header);
    out.write(new byte[dataBytes]);
    Files.createDirectories(file.getParent());
    Files.write(file, out.toByteArray());
  }

  /** Two F32 tensors, [2,3] then [2]: 32 bytes of data. */
  static final String VALID =
      "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
          + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]},\"__metadata__\":{\"format\":\"pt\"}}";
}
