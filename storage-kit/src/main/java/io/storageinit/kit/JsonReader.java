package io.storageinit.kit;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A strict JSON reader (RFC 8259), pulled one value at a time ({@link #beginObject}, {@link
 * #nextName}, {@link #string}, ...) or read whole as a tree ({@link #value}): for safetensors
 * headers, API listings (GCS, Hugging Face, registries) and JSON settings. It exists because a
 * general parser costs a short run dearly: Jackson's streaming parser took ~20 ms of CPU to load
 * and warm on every run (measured in the validators' check, between the download and the model
 * server), for documents that need a few hundred lines of grammar. It reads the bytes in place and
 * decodes (and checks as UTF-8) only each string. Anything that is not JSON fails with a {@link
 * Malformed} that says where; nesting deeper than {@link #MAX_DEPTH} is refused rather than
 * followed. Not thread-safe.
 *
 * @since 0.4
 */
public final class JsonReader {
  /** Deeper than any real document; keeps a hostile one from exhausting the stack. */
  public static final int MAX_DEPTH = 64;

  /**
   * Longer numbers are refused by {@link #value}: no store sends them, and they are slow to read.
   */
  static final int MAX_NUMBER = 400;

  private final byte[] in;
  private int at;

  /** Between the opening of an object or array and the reading of its first entry. */
  private boolean first;

  private JsonReader(byte[] in) {
    this.in = in;
  }

  /**
   * A reader of {@code utf8}, read in place: the structure is ASCII, and only each string is
   * decoded (and checked to be UTF-8), so a header of the format's maximum of 100 MB costs no copy
   * of itself.
   */
  public static JsonReader of(byte[] utf8) {
    return new JsonReader(utf8);
  }

  /** The byte at {@code i} as a character: ASCII as it is, any other byte above 0x7F. */
  private char ch(int i) {
    return (char) (in[i] & 0xff);
  }

  /** The next value's first character, after white space: '{', '[', '"', a digit, '-', t/f/n. */
  public char peek() throws Malformed {
    skipSpace();
    if (at >= in.length) {
      throw new Malformed("the text ends where a value should be");
    }
    return ch(at);
  }

  /** Consumes '{'; then {@link #nextName} until it returns null. */
  public void beginObject() throws Malformed {
    expect('{');
    first = true;
  }

  /** Consumes '['; then {@link #hasNext} before each element. */
  public void beginArray() throws Malformed {
    expect('[');
    first = true;
  }

  /** The name of the object's next member, its ':' consumed; null at its '}', which is consumed. */
  public String nextName() throws Malformed {
    if (!more('}')) {
      return null;
    }
    if (peek() != '"') {
      throw unexpected("a member name");
    }
    String name = string();
    expect(':');
    return name;
  }

  /** Whether the array has another element; consumes its ']' when not. */
  public boolean hasNext() throws Malformed {
    return more(']');
  }

  private boolean more(char close) throws Malformed {
    skipSpace();
    if (at < in.length && ch(at) == close) {
      at++;
      first = false;
      return false;
    }
    if (!first) {
      expect(',');
    }
    first = false;
    return true;
  }

  /** A string value, escapes decoded. */
  public String string() throws Malformed {
    expect('"');
    StringBuilder out = null;
    int start = at;
    while (true) {
      if (at >= in.length) {
        throw new Malformed("a string is not closed");
      }
      char c = ch(at);
      if (c == '"') {
        String tail = decode(start, at++);
        return out == null ? tail : out.append(tail).toString();
      }
      if (c < 0x20) {
        throw new Malformed("a control character inside a string at offset " + at);
      }
      if (c != '\\') {
        at++;
        continue;
      }
      if (out == null) {
        out = new StringBuilder();
      }
      out.append(decode(start, at));
      at++;
      if (at >= in.length) {
        throw new Malformed("a string is not closed");
      }
      char e = ch(at++);
      switch (e) {
        case '"', '\\', '/' -> out.append(e);
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'u' -> out.append(hex4());
        default -> throw new Malformed("a bad escape '\\" + e + "' at offset " + (at - 2));
      }
      start = at;
    }
  }

  /** A string value; null when the value is not a string (it is consumed all the same). */
  public String stringOrNull() throws Malformed {
    if (peek() == '"') {
      return string();
    }
    skipValue();
    return null;
  }

  private char hex4() throws Malformed {
    if (at + 4 > in.length) {
      throw new Malformed("a \\u escape is cut short");
    }
    int v = 0;
    for (int i = 0; i < 4; i++) {
      char c = ch(at++);
      int d =
          c >= '0' && c <= '9'
              ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) {
        throw new Malformed("a bad \\u escape at offset " + (at - 1));
      }
      v = v * 16 + d;
    }
    return (char) v;
  }

  /**
   * A number that is a whole JSON integer fitting a long; null for any other number (a fraction, an
   * exponent, too large), which is consumed all the same.
   */
  public Long wholeNumber() throws Malformed {
    skipSpace();
    int start = at;
    if (at < in.length && ch(at) == '-') {
      at++;
    }
    int digits = digits();
    if (digits == 0) {
      throw unexpected("a number");
    }
    if (digits > 1 && ch(at - digits) == '0') {
      throw new Malformed("a number with a leading zero at offset " + start);
    }
    boolean whole = true;
    if (at < in.length && ch(at) == '.') {
      at++;
      if (digits() == 0) {
        throw new Malformed("a fraction without digits at offset " + start);
      }
      whole = false;
    }
    if (at < in.length && (ch(at) == 'e' || ch(at) == 'E')) {
      at++;
      if (at < in.length && (ch(at) == '+' || ch(at) == '-')) {
        at++;
      }
      if (digits() == 0) {
        throw new Malformed("an exponent without digits at offset " + start);
      }
      whole = false;
    }
    if (!whole) {
      return null;
    }
    try {
      return Long.parseLong(new String(in, start, at - start, StandardCharsets.US_ASCII));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private int digits() {
    int n = 0;
    while (at < in.length && ch(at) >= '0' && ch(at) <= '9') {
      at++;
      n++;
    }
    return n;
  }

  /**
   * Reads a whole document: the value, then nothing but white space.
   *
   * @see #value()
   */
  public static Object parse(byte[] utf8) throws Malformed {
    JsonReader r = of(utf8);
    Object v = r.value();
    r.end();
    return v;
  }

  /**
   * Reads the next value as a tree: an object as a {@code Map<String, Object>} in document order (a
   * repeated name keeps its last value), an array as a {@code List<Object>}, a string, a {@link
   * Boolean}, null, and a number as a {@link Long} when it is whole and fits, else a {@link
   * java.math.BigDecimal}.
   */
  public Object value() throws Malformed {
    return value(0);
  }

  private Object value(int depth) throws Malformed {
    if (depth >= MAX_DEPTH) {
      throw new Malformed("nested deeper than " + MAX_DEPTH + " levels");
    }
    switch (peek()) {
      case '{' -> {
        beginObject();
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (String name = nextName(); name != null; name = nextName()) {
          m.put(name, value(depth + 1));
        }
        return m;
      }
      case '[' -> {
        beginArray();
        List<Object> l = new ArrayList<>();
        while (hasNext()) {
          l.add(value(depth + 1));
        }
        return l;
      }
      case '"' -> {
        return string();
      }
      case 't' -> {
        literal("true");
        return Boolean.TRUE;
      }
      case 'f' -> {
        literal("false");
        return Boolean.FALSE;
      }
      case 'n' -> {
        literal("null");
        return null;
      }
      default -> {
        int start = skipSpaceAt();
        Long whole = wholeNumber();
        if (whole != null) {
          return whole;
        }
        if (at - start > MAX_NUMBER) {
          throw new Malformed(
              "a number longer than " + MAX_NUMBER + " characters at offset " + start);
        }
        try {
          return new java.math.BigDecimal(
              new String(in, start, at - start, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
          throw new Malformed("a number out of range at offset " + start);
        }
      }
    }
  }

  private int skipSpaceAt() {
    skipSpace();
    return at;
  }

  /** Consumes the next value, whatever it is. */
  public void skipValue() throws Malformed {
    skipValue(0);
  }

  private void skipValue(int depth) throws Malformed {
    if (depth >= MAX_DEPTH) {
      throw new Malformed("nested deeper than " + MAX_DEPTH + " levels");
    }
    switch (peek()) {
      case '{' -> {
        beginObject();
        while (nextName() != null) {
          skipValue(depth + 1);
        }
      }
      case '[' -> {
        beginArray();
        while (hasNext()) {
          skipValue(depth + 1);
        }
      }
      case '"' -> string();
      case 't' -> literal("true");
      case 'f' -> literal("false");
      case 'n' -> literal("null");
      default -> wholeNumber();
    }
  }

  /**
   * An array of whole numbers, null standing for any element that is not one; null when the value
   * is not an array (it is consumed all the same).
   */
  public List<Long> wholeNumbers() throws Malformed {
    if (peek() != '[') {
      skipValue();
      return null;
    }
    beginArray();
    List<Long> values = new ArrayList<>();
    while (hasNext()) {
      char c = peek();
      values.add(c == '-' || (c >= '0' && c <= '9') ? wholeNumber() : skipped());
    }
    return values;
  }

  private Long skipped() throws Malformed {
    skipValue();
    return null;
  }

  /** Fails unless only white space is left. */
  public void end() throws Malformed {
    skipSpace();
    if (at < in.length) {
      throw new Malformed("content after the end at offset " + at);
    }
  }

  private void literal(String word) throws Malformed {
    for (int i = 0; i < word.length(); i++) {
      if (at + i >= in.length || ch(at + i) != word.charAt(i)) {
        throw unexpected("a value");
      }
    }
    at += word.length();
  }

  /**
   * The string in {@code [from, to)}, which holds no escape. Its bytes are checked to be UTF-8: no
   * byte of a multi-byte character is ASCII, so the scan for quotes and escapes never splits one.
   */
  private String decode(int from, int to) throws Malformed {
    for (int i = from; i < to; i++) {
      if (in[i] < 0) {
        try {
          return StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(in, from, to - from))
              .toString();
        } catch (CharacterCodingException e) {
          throw new Malformed("a string that is not UTF-8 at offset " + from);
        }
      }
    }
    return new String(in, from, to - from, StandardCharsets.US_ASCII);
  }

  private void expect(char c) throws Malformed {
    skipSpace();
    if (at >= in.length || ch(at) != c) {
      throw unexpected("'" + c + "'");
    }
    at++;
  }

  private void skipSpace() {
    while (at < in.length) {
      char c = ch(at);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      at++;
    }
  }

  private Malformed unexpected(String wanted) {
    return at >= in.length
        ? new Malformed("the text ends where " + wanted + " should be")
        : new Malformed(
            "expected "
                + wanted
                + " at offset "
                + at
                + ", found "
                + (ch(at) >= 0x20 && ch(at) < 0x7f
                    ? "'" + ch(at) + "'"
                    : String.format("byte 0x%02X", in[at] & 0xff)));
  }
}
