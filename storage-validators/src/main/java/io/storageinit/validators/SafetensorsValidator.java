package io.storageinit.validators;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.storageinit.api.Finding;
import io.storageinit.api.ModelValidator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
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

  /** Jackson takes a tenth of a second to start: only runs with safetensors files pay for it. */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  @Override
  public String name() {
    return "safetensors";
  }

  @Override
  public List<Finding> validate(Path modelDir, Map<String, String> config) {
    List<Finding> findings = new ArrayList<>();
    for (String f : ModelFiles.list(modelDir)) {
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
      JsonNode root;
      try {
        root = Json.MAPPER.readTree(header.array());
      } catch (IOException e) {
        return "the header is not JSON";
      }
      if (root == null || !root.isObject()) {
        return "the header is not a JSON object";
      }
      long dataSize = size - 8 - headerLength;
      List<long[]> spans = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().equals("__metadata__")) {
          continue;
        }
        JsonNode t = e.getValue();
        Integer width = DTYPE_BYTES.get(t.path("dtype").asText());
        JsonNode shape = t.path("shape");
        JsonNode offsets = t.path("data_offsets");
        if (width == null) {
          return "tensor '"
              + e.getKey()
              + "' has an unknown dtype '"
              + t.path("dtype").asText()
              + "'";
        }
        if (!shape.isArray() || !offsets.isArray() || offsets.size() != 2) {
          return "tensor '" + e.getKey() + "' lacks a shape or a [begin, end] data_offsets";
        }
        long elements = 1;
        for (JsonNode d : shape) {
          if (!d.canConvertToLong() || d.asLong() < 0) {
            return "tensor '" + e.getKey() + "' has a bad shape " + shape;
          }
          elements = Math.multiplyExact(elements, d.asLong());
        }
        long begin = offsets.get(0).asLong(-1);
        long end = offsets.get(1).asLong(-1);
        if (begin < 0 || end < begin || end > dataSize) {
          return "tensor '"
              + e.getKey()
              + "' has offsets "
              + offsets
              + " outside the "
              + dataSize
              + "-byte data section";
        }
        if (end - begin != Math.multiplyExact(elements, width)) {
          return "tensor '"
              + e.getKey()
              + "' spans "
              + (end - begin)
              + " bytes but "
              + shape
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
}
