package io.storageinit.validators;

import io.storageinit.api.Finding;
import io.storageinit.api.ModelFiles;
import io.storageinit.api.ModelValidator;
import io.storageinit.kit.JsonReader;
import io.storageinit.kit.Malformed;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks every {@code .safetensors} file's structure without loading tensors: the header length
 * fits the file, the header is a JSON object, every tensor has a known dtype, a shape and offsets
 * inside the data section whose length matches dtype and shape, and the tensors tile the data
 * section exactly (contiguous, no overlap, no gap).
 */
public final class SafetensorsValidator implements ModelValidator {
  /** The format's own limit on the header. */
  static final long MAX_HEADER = 100L * 1024 * 1024;

  private static final Map<String, Integer> DTYPE_BYTES =
      Map.ofEntries(
          Map.entry("BOOL", 1),
          Map.entry("U8", 1),
          Map.entry("I8", 1),
          Map.entry("F8_E5M2", 1),
          Map.entry("F8_E4M3", 1),
          Map.entry("I16", 2),
          Map.entry("U16", 2),
          Map.entry("F16", 2),
          Map.entry("BF16", 2),
          Map.entry("I32", 4),
          Map.entry("U32", 4),
          Map.entry("F32", 4),
          Map.entry("I64", 8),
          Map.entry("U64", 8),
          Map.entry("F64", 8));

  /** A small header of every kind of entry, which {@link #prepare} reads once. */
  private static final byte[] SAMPLE_HEADER =
      ("{\"__metadata__\":{\"format\":\"pt\"},"
              + "\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}")
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** One tensor's entry; a null field was missing or of the wrong JSON type. */
  private record Tensor(String name, String dtype, List<Long> shape, List<Long> offsets) {}

  /** A header that is JSON but not shaped as safetensors wants. */
  private static final class BadHeader extends Exception {
    private static final long serialVersionUID = 1L;

    BadHeader(String message) {
      super(message, null, false, false);
    }
  }

  @Override
  public String name() {
    return "safetensors";
  }

  /**
   * Reads a small header once, while the download runs: the first use of the reader's code (class
   * loading, the interpreter) then costs nothing after it.
   */
  @Override
  public void prepare(Map<String, String> config) {
    try {
      if (tensors(SAMPLE_HEADER).size() != 1) {
        throw new IllegalStateException("the sample header did not read as one tensor");
      }
    } catch (Malformed | BadHeader e) {
      throw new IllegalStateException("the sample header did not read: " + e, e);
    }
  }

  @Override
  public List<Finding> validate(Path modelDir, Map<String, String> config) {
    return validate(modelDir, ModelFiles.list(modelDir), config);
  }

  @Override
  public List<Finding> validate(Path modelDir, List<String> files, Map<String, String> config) {
    List<Finding> findings = new ArrayList<>();
    for (String f : files) {
      if (f.endsWith(".safetensors")) {
        String problem = check(modelDir.resolve(f));
        if (problem != null) {
          findings.add(Finding.error(f, "not a valid safetensors file: " + problem));
        }
      }
    }
    return findings;
  }

  /** Returns what is wrong with the file, or null. */
  static String check(Path file) {
    try (FileChannel ch = FileChannel.open(file)) {
      long size = ch.size();
      if (size < 8) {
        return "shorter than the 8-byte header length";
      }
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(len, 0);
      long headerLength = len.flip().getLong();
      if (headerLength <= 0 || headerLength > MAX_HEADER || headerLength > size - 8) {
        return "header length " + headerLength + " does not fit a " + size + "-byte file";
      }
      ByteBuffer header = ByteBuffer.allocate((int) headerLength);
      while (header.hasRemaining() && ch.read(header, 8 + header.position()) > 0) {
        // read the whole header
      }
      List<Tensor> tensors;
      try {
        tensors = tensors(header.array());
      } catch (BadHeader e) {
        return e.getMessage();
      } catch (Malformed e) {
        return "the header is not JSON: " + e.getMessage();
      }
      long dataSize = size - 8 - headerLength;
      List<long[]> spans = new ArrayList<>();
      for (Tensor t : tensors) {
        Integer width = t.dtype() == null ? null : DTYPE_BYTES.get(t.dtype());
        if (width == null) {
          return "tensor '" + t.name() + "' has an unknown dtype '" + t.dtype() + "'";
        }
        if (t.shape() == null || t.offsets() == null || t.offsets().size() != 2) {
          return "tensor '" + t.name() + "' lacks a shape or a [begin, end] data_offsets";
        }
        long elements = 1;
        for (Long d : t.shape()) {
          if (d == null || d < 0) {
            return "tensor '" + t.name() + "' has a bad shape " + t.shape();
          }
          elements = Math.multiplyExact(elements, d);
        }
        long begin = t.offsets().get(0) == null ? -1 : t.offsets().get(0);
        long end = t.offsets().get(1) == null ? -1 : t.offsets().get(1);
        if (begin < 0 || end < begin || end > dataSize) {
          return "tensor '"
              + t.name()
              + "' has offsets "
              + t.offsets()
              + " outside the "
              + dataSize
              + "-byte data section";
        }
        if (end - begin != Math.multiplyExact(elements, width)) {
          return "tensor '"
              + t.name()
              + "' spans "
              + (end - begin)
              + " bytes but "
              + t.shape()
              + " x "
              + width
              + " needs "
              + elements * width;
        }
        spans.add(new long[] {begin, end});
      }
      spans.sort((a, b) -> Long.compare(a[0], b[0]));
      long at = 0;
      for (long[] s : spans) {
        if (s[0] != at) {
          return s[0] < at
              ? "tensors overlap at byte " + s[0]
              : "a gap in the data section at byte " + at;
        }
        at = s[1];
      }
      if (at != dataSize) {
        return "the data section has " + (dataSize - at) + " bytes no tensor accounts for";
      }
      return null;
    } catch (IOException e) {
      return "cannot be read: " + e;
    } catch (ArithmeticException e) {
      return "a tensor's size overflows";
    }
  }

  /** Reads the header's tensor entries; {@code __metadata__} is skipped. */
  private static List<Tensor> tensors(byte[] header) throws Malformed, BadHeader {
    JsonReader json = JsonReader.of(header);
    if (json.peek() != '{') {
      json.skipValue();
      json.end();
      throw new BadHeader("the header is not a JSON object");
    }
    List<Tensor> tensors = new ArrayList<>();
    json.beginObject();
    for (String name = json.nextName(); name != null; name = json.nextName()) {
      if (name.equals("__metadata__") || json.peek() != '{') {
        if (!name.equals("__metadata__")) {
          tensors.add(new Tensor(name, null, null, null));
        }
        json.skipValue();
        continue;
      }
      String dtype = null;
      List<Long> shape = null;
      List<Long> offsets = null;
      json.beginObject();
      for (String field = json.nextName(); field != null; field = json.nextName()) {
        switch (field) {
          case "dtype" -> dtype = json.stringOrNull();
          case "shape" -> shape = json.wholeNumbers();
          case "data_offsets" -> offsets = json.wholeNumbers();
          default -> json.skipValue();
        }
      }
      tensors.add(new Tensor(name, dtype, shape, offsets));
    }
    json.end();
    return tensors;
  }
}
