package io.storageinit.validators;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A strict JSON reader (RFC 8259) for safetensors headers, pulled one value at a time. It exists
 * because the check runs between the download and the model server: a general parser (Jackson's
 * streaming one) cost ~20 ms of CPU to load and warm on every run, for headers that need a few
 * hundred lines of grammar. Anything that is not JSON fails with a {@link Malformed} that says
 * where; nesting deeper than {@link #MAX_DEPTH} is refused rather than followed.
 */
final class HeaderJson {
  /** Deeper than any real header; keeps a hostile one from exhausting the stack. */
  static final int MAX_DEPTH = 64;

  /** The text is not JSON; the message says what was found where. */
  static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  private final String text;
  private int at;

  /** Between the opening of an object or array and the reading of its first entry. */
  private boolean first;

  private HeaderJson(String text) {
    this.text = text;
  }

  /** A reader of {@code utf8}, which must be valid UTF-8. */
  static HeaderJson of(byte[] utf8) throws Malformed {
    try {
      return new HeaderJson(
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(utf8))
              .toString());
    } catch (CharacterCodingException e) {
      throw new Malformed("not UTF-8");
    }
  }

  /** The next value's first character, after white space: '{', '[', '"', a digit, '-', t/f/n. */
  char peek() throws Malformed {
    skipSpace();
    if (at >= text.length()) {
      throw new Malformed("the text ends where a value should be");
    }
    return text.charAt(at);
  }

  /** Consumes '{'; then {@link #nextName} until it returns null. */
  void beginObject() throws Malformed {
    expect('{');
    first = true;
  }

  /** Consumes '['; then {@link #hasNext} before each element. */
  void beginArray() throws Malformed {
    expect('[');
    first = true;
  }

  /** The name of the object's next member, its ':' consumed; null at its '}', which is consumed. */
  String nextName() throws Malformed {
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
  boolean hasNext() throws Malformed {
    return more(']');
  }

  private boolean more(char close) throws Malformed {
    skipSpace();
    if (at < text.length() && text.charAt(at) == close) {
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
  String string() throws Malformed {
    expect('"');
    StringBuilder out = null;
    int start = at;
    while (true) {
      if (at >= text.length()) {
        throw new Malformed("a string is not closed");
      }
      char c = text.charAt(at);
      if (c == '"') {
        String tail = text.substring(start, at++);
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
      out.append(text, start, at);
      at++;
      if (at >= text.length()) {
        throw new Malformed("a string is not closed");
      }
      char e = text.charAt(at++);
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

  private char hex4() throws Malformed {
    if (at + 4 > text.length()) {
      throw new Malformed("a \\u escape is cut short");
    }
    int v = 0;
    for (int i = 0; i < 4; i++) {
      int d = Character.digit(text.charAt(at++), 16);
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
  Long wholeNumber() throws Malformed {
    skipSpace();
    int start = at;
    if (at < text.length() && text.charAt(at) == '-') {
      at++;
    }
    int digits = digits();
    if (digits == 0) {
      throw unexpected("a number");
    }
    if (digits > 1 && text.charAt(at - digits) == '0') {
      throw new Malformed("a number with a leading zero at offset " + start);
    }
    boolean whole = true;
    if (at < text.length() && text.charAt(at) == '.') {
      at++;
      if (digits() == 0) {
        throw new Malformed("a fraction without digits at offset " + start);
      }
      whole = false;
    }
    if (at < text.length() && (text.charAt(at) == 'e' || text.charAt(at) == 'E')) {
      at++;
      if (at < text.length() && (text.charAt(at) == '+' || text.charAt(at) == '-')) {
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
      return Long.parseLong(text, start, at, 10);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private int digits() {
    int n = 0;
    while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
      at++;
      n++;
    }
    return n;
  }

  /** Consumes the next value, whatever it is. */
  void skipValue() throws Malformed {
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
  List<Long> wholeNumbers() throws Malformed {
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
  void end() throws Malformed {
    skipSpace();
    if (at < text.length()) {
      throw new Malformed("content after the end at offset " + at);
    }
  }

  private void literal(String word) throws Malformed {
    if (!text.startsWith(word, at)) {
      throw unexpected("a value");
    }
    at += word.length();
  }

  private void expect(char c) throws Malformed {
    skipSpace();
    if (at >= text.length() || text.charAt(at) != c) {
      throw unexpected("'" + c + "'");
    }
    at++;
  }

  private void skipSpace() {
    while (at < text.length()) {
      char c = text.charAt(at);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      at++;
    }
  }

  private Malformed unexpected(String wanted) {
    return at >= text.length()
        ? new Malformed("the text ends where " + wanted + " should be")
        : new Malformed(
            "expected " + wanted + " at offset " + at + ", found '" + text.charAt(at) + "'");
  }
}
