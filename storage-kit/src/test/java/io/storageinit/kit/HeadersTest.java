package io.storageinit.kit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeadersTest {
  @Test
  void valuesThatWouldSplitARequestAreProblemsThatNeverQuoteThem() {
    assertThat(Headers.problem("Authorization", "Bearer abc")).isNull();
    assertThat(Headers.problem("Authorization", "Bearer abc\r\nX: y")).contains("line break");
    assertThat(Headers.problem("X", "a\u0000b")).contains("control character");
    assertThat(Headers.problem("X", "caf\u00e9")).isNull();
    assertThat(Headers.problem("X", "\u4e2d")).contains("ISO-8859-1");
    assertThat(Headers.problem("Bad Name", "v")).contains("not an HTTP token");
    assertThat(Headers.problem("Bad:Name", "v")).contains("not an HTTP token");
  }

  @Test
  void aJsonObjectBecomesFieldsAndEveryBadOneIsReported() {
    List<String> problems = new ArrayList<>();
    assertThat(Headers.fromJson("{\"A\": \"1\", \"B\": 2, \"C\": true}", "V", problems))
        .containsExactlyInAnyOrderEntriesOf(Map.of("A", "1", "B", "2", "C", "true"));
    assertThat(problems).isEmpty();

    assertThat(
            Headers.fromJson("{\"A\": \"t0ken\\nX: 1\", \"B\": {}, \"C D\": \"x\"}", "V", problems))
        .isNull();
    assertThat(problems)
        .hasSize(3)
        .allMatch(p -> p.startsWith("V: the header"))
        .noneMatch(p -> p.contains("t0ken"));

    problems.clear();
    assertThat(Headers.fromJson("[\"t0ken\"]", "V", problems)).isNull();
    assertThat(Headers.fromJson("{\"t0ken", "V", problems)).isNull();
    assertThat(problems).hasSize(2).noneMatch(p -> p.contains("t0ken"));
  }
}
