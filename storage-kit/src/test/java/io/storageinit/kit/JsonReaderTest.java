package io.storageinit.kit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonReaderTest {
  static JsonReader json(String text) throws Malformed {
    return JsonReader.of(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Reads an object of strings, in order, as name=value pairs. */
  static List<String> members(String text) throws Malformed {
    JsonReader j = json(text);
    List<String> out = new ArrayList<>();
    j.beginObject();
    for (String name = j.nextName(); name != null; name = j.nextName()) {
      out.add(name + "=" + j.string());
    }
    j.end();
    return out;
  }

  @Test
  void namesAndStringsAreDecodedWithEveryEscape() throws Exception {
    assertThat(
            members(
                " {\"a\" : \"plain\",\n\t\"b\\\"q\":\"\\\\ \\/ \\b\\f\\n\\r\\t\","
                    + " \"\\u00e9t\\u00C9\":\"\\ud83d\\ude00\", \"caf\u00e9\":\"\"}\r\n"))
        .containsExactly(
            "a=plain", "b\"q=\\ / \b\f\n\r\t", "\u00e9t\u00c9=\ud83d\ude00", "caf\u00e9=");
    assertThat(members("{}")).isEmpty();
  }

  @Test
  void aWideHeaderIsReadWhole() throws Exception {
    StringBuilder wide = new StringBuilder("{");
    for (int i = 0; i < 50_000; i++) {
      wide.append(i == 0 ? "" : ",").append("\"layer.").append(i).append("\":\"w\"");
    }
    List<String> read = members(wide.append('}').toString());
    assertThat(read).hasSize(50_000).startsWith("layer.0=w").endsWith("layer.49999=w");
  }

  @Test
  void wholeNumbersAreLongsAndOtherNumbersAreNull() throws Exception {
    JsonReader j = json("[0, -7, 9223372036854775807, 9223372036854775808, 1.5, 2e3, -0, \"x\"]");
    assertThat(j.wholeNumbers())
        .containsExactly(0L, -7L, Long.MAX_VALUE, null, null, null, 0L, null);
    j.end();
    JsonReader notArray = json("{\"x\":[1]}");
    assertThat(notArray.wholeNumbers()).isNull();
    notArray.end();
  }

  @Test
  void aStringOrNullForAnythingElseConsumed() throws Exception {
    JsonReader j = json("[\"F32\", {\"x\": [1]}, 7, \"\"]");
    j.beginArray();
    List<String> read = new ArrayList<>();
    while (j.hasNext()) {
      read.add(j.stringOrNull());
    }
    j.end();
    assertThat(read).containsExactly("F32", null, null, "");
  }

  @Test
  void anyValueCanBeSkippedAndNestingIsBounded() throws Exception {
    JsonReader j = json("{\"a\":[true,false,null,{\"b\":[[],{}]},\"s\",-1.25E-3],\"c\":1}");
    j.beginObject();
    assertThat(j.nextName()).isEqualTo("a");
    j.skipValue();
    assertThat(j.nextName()).isEqualTo("c");
    assertThat(j.wholeNumber()).isEqualTo(1L);
    assertThat(j.nextName()).isNull();
    j.end();

    String deep = "[".repeat(JsonReader.MAX_DEPTH + 1) + "]".repeat(JsonReader.MAX_DEPTH + 1);
    assertThatThrownBy(() -> json(deep).skipValue())
        .isInstanceOf(Malformed.class)
        .hasMessageContaining("nested deeper than 64");
    String fits = "[".repeat(JsonReader.MAX_DEPTH) + "]".repeat(JsonReader.MAX_DEPTH);
    JsonReader ok = json(fits);
    ok.skipValue();
    ok.end();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "{",
        "{\"a\"}",
        "{\"a\":1,}",
        "{\"a\":1 \"b\":2}",
        "{a:1}",
        "{\"a\":\"open}",
        "{\"a\":\"tab\tinside\"}",
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\\u12\"}",
        "{\"a\":\"\\u12g4\"}",
        "{\"a\":01}",
        "{\"a\":-}",
        "{\"a\":1.}",
        "{\"a\":1e}",
        "{\"a\":tru}",
        "{\"a\":[1,]}",
        "{\"a\":[1 2]}",
        "{} {}",
        "{\"a\":+1}"
      })
  void textThatIsNotJsonIsRefusedWithWhereItWentWrong(String text) {
    assertThatThrownBy(
            () -> {
              JsonReader j = json(text);
              j.skipValue();
              j.end();
            })
        .isInstanceOf(Malformed.class)
        .hasMessageMatching(".*(offset \\d+|ends where|not closed|cut short).*");
  }

  @Test
  void aTreeKeepsOrderTypesAndNesting() throws Exception {
    Object v =
        JsonReader.parse(
            "{\"b\":[1,-2.5,true,null,\"x\"],\"a\":{\"n\":12345678901234567890}}"
                .getBytes(StandardCharsets.UTF_8));
    assertThat(v).isInstanceOf(java.util.Map.class);
    @SuppressWarnings("unchecked")
    java.util.Map<String, Object> m = (java.util.Map<String, Object>) v;
    assertThat(m.keySet()).containsExactly("b", "a");
    @SuppressWarnings("unchecked")
    java.util.List<Object> b = (java.util.List<Object>) m.get("b");
    assertThat(b).containsExactly(1L, new java.math.BigDecimal("-2.5"), true, null, "x");
    assertThat(((java.util.Map<?, ?>) m.get("a")).get("n"))
        .isEqualTo(new java.math.BigDecimal("12345678901234567890"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"1e9999999999999", "[1E-99999999999]"})
  void numbersBeyondWhatADecimalHoldsAreRefused(String text) {
    // Found by JsonReaderFuzz: BigDecimal refuses such exponents with its own exception.
    assertThatThrownBy(() -> JsonReader.parse(text.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(Malformed.class)
        .hasMessageContaining("out of range");
  }

  @Test
  void bytesThatAreNotUtf8AreRefused() {
    byte[] bad = Arrays.copyOf("{\"a\":\"".getBytes(StandardCharsets.US_ASCII), 10);
    bad[6] = (byte) 0xc3;
    bad[7] = (byte) 0x28;
    bad[8] = '"';
    bad[9] = '}';
    assertThatThrownBy(() -> JsonReader.of(bad).skipValue())
        .isInstanceOf(Malformed.class)
        .hasMessage("a string that is not UTF-8 at offset 6");
    // Outside a string any byte above 0x7F is out of place, and named as a byte.
    byte[] stray = {'{', '"', 'a', '"', ':', (byte) 0xc3, (byte) 0xa9, '}'};
    assertThatThrownBy(() -> JsonReader.of(stray).skipValue())
        .isInstanceOf(Malformed.class)
        .hasMessage("expected a number at offset 5, found byte 0xC3");
  }
}
