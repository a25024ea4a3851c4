package io.storageinit.s3;

import io.storageinit.kit.Malformed;
import io.storageinit.kit.XmlReader;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the two XML documents the S3 provider needs: a ListObjectsV2 page and an error, with a
 * reader of its own ({@link XmlReader}) rather than the JDK's StAX parser, whose set-up and
 * character-by-character scanning cost about 30 ms before the first transfer could start.
 */
final class S3Xml {
  /** Far above the largest page S3 sends (1000 keys of at most 1 KiB, URL-encoded). */
  private static final int MAX_DOCUMENT = 64 << 20;

  private S3Xml() {}

  /** One object of a listing. */
  record Entry(String key, long size, String etag, Instant lastModified) {}

  /** One page of ListObjectsV2: its objects, and the token of the next page if there is one. */
  record Page(List<Entry> entries, Optional<String> nextToken) {}

  /**
   * Parses a ListObjectsV2 result. Keys are decoded when the store says it URL-encoded them ({@code
   * encoding-type=url}, asked for so that keys with characters XML 1.0 cannot carry still list).
   */
  static Page listPage(InputStream body) throws IOException {
    XmlReader r = new XmlReader(document(body));
    List<Entry> entries = new ArrayList<>();
    String token = null;
    boolean truncated = false;
    boolean urlEncoded = false;
    try {
      String key = null;
      String etag = null;
      long size = 0;
      Instant modified = null;
      boolean inContents = false;
      for (int event = r.next(); event != XmlReader.END_DOCUMENT; event = r.next()) {
        int depth = r.depth();
        if (event == XmlReader.START_ELEMENT) {
          String name = r.name();
          if (depth == 1 && !name.equals("ListBucketResult")) {
            throw new Malformed("a listing's root element is " + name + ", not ListBucketResult");
          }
          if (depth == 2 && name.equals("Contents")) {
            inContents = true;
            key = null;
            etag = null;
            size = 0;
            modified = null;
          } else if (inContents && depth == 3) {
            switch (name) {
              case "Key" -> key = r.elementText();
              case "Size" -> size = size(r.elementText());
              case "ETag" -> etag = r.elementText();
              case "LastModified" -> modified = instant(r.elementText().trim());
              default -> {
                // Owner, StorageClass, checksums: not needed.
              }
            }
          } else if (depth == 2) {
            switch (name) {
              case "NextContinuationToken" -> token = r.elementText();
              case "IsTruncated" -> truncated = Boolean.parseBoolean(r.elementText().trim());
              case "EncodingType" -> urlEncoded = "url".equalsIgnoreCase(r.elementText().trim());
              default -> {
                // Name, Prefix, KeyCount, MaxKeys: known already.
              }
            }
          }
        } else if (depth == 1 && inContents) {
          inContents = false;
          if (key == null) {
            throw new Malformed("a listing entry has no Key");
          }
          entries.add(new Entry(key, size, etag, modified));
        }
      }
    } catch (RuntimeException e) {
      throw new Malformed("a listing is not a ListObjectsV2 result: " + e);
    }
    if (urlEncoded) {
      entries.replaceAll(
          e ->
              new Entry(
                  URLDecoder.decode(e.key(), StandardCharsets.UTF_8),
                  e.size(),
                  e.etag(),
                  e.lastModified()));
    }
    if (truncated && (token == null || token.isEmpty())) {
      throw new Malformed("a listing page is truncated but has no NextContinuationToken");
    }
    return new Page(entries, truncated ? Optional.of(token) : Optional.empty());
  }

  /**
   * Parses a listing's {@code LastModified}. S3 writes {@code 2024-05-01T12:00:00.000Z} (some
   * stores leave out the milliseconds), read here by hand: {@code Instant.parse} costs more than
   * the rest of an entry (about 10 ms per thousand keys at start-up). Any other ISO-8601 form goes
   * to {@code Instant.parse}.
   */
  static Instant instant(String s) {
    boolean millis = s.length() == 24 && s.charAt(19) == '.';
    if ((millis || s.length() == 20)
        && s.charAt(4) == '-'
        && s.charAt(7) == '-'
        && s.charAt(10) == 'T'
        && s.charAt(13) == ':'
        && s.charAt(16) == ':'
        && s.charAt(s.length() - 1) == 'Z') {
      int year = digits(s, 0, 4);
      int month = digits(s, 5, 2);
      int day = digits(s, 8, 2);
      int hour = digits(s, 11, 2);
      int minute = digits(s, 14, 2);
      int second = digits(s, 17, 2);
      int milli = millis ? digits(s, 20, 3) : 0;
      // By hand rather than through Year or YearMonth, whose class initialisers build date parsers.
      boolean leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
      if (year >= 0
          && month >= 1
          && month <= 12
          && day >= 1
          && day <= java.time.Month.of(month).length(leap)
          && hour >= 0
          && hour <= 23
          && minute >= 0
          && minute <= 59
          && second >= 0
          && second <= 59
          && milli >= 0) {
        long days = java.time.LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(
            days * 86_400 + hour * 3600L + minute * 60L + second, milli * 1_000_000L);
      }
    }
    return Instant.parse(s);
  }

  /** The decimal number in {@code s[from, from + count)}, or -1 when a character is no digit. */
  private static int digits(String s, int from, int count) {
    int n = 0;
    for (int i = from; i < from + count; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  /** The top-level fields of an S3 error document ({@code Code}, {@code Message}, ...). */
  static Map<String, String> error(InputStream body) throws IOException {
    XmlReader r = new XmlReader(document(body));
    Map<String, String> fields = new HashMap<>();
    for (int event = r.next(); event != XmlReader.END_DOCUMENT; event = r.next()) {
      if (event == XmlReader.START_ELEMENT && r.depth() == 2) {
        fields.put(r.name(), r.elementText());
      }
    }
    return fields;
  }

  private static long size(String text) throws Malformed {
    String t = text.trim();
    long n;
    try {
      n = Long.parseLong(t);
    } catch (NumberFormatException e) {
      n = -1;
    }
    if (n < 0 || t.startsWith("+")) {
      throw new Malformed(
          "a listing entry's Size is not a whole number of bytes: '"
              + (t.length() > 40 ? t.substring(0, 40) + "..." : t).replaceAll("[^\\x20-\\x7e]", "?")
              + "'");
    }
    return n;
  }

  /** The whole body, read to its end so that the connection can serve the next request. */
  private static String document(InputStream body) throws IOException {
    byte[] bytes = body.readNBytes(MAX_DOCUMENT + 1);
    if (bytes.length > MAX_DOCUMENT) {
      throw new Malformed("an S3 document larger than " + (MAX_DOCUMENT >> 20) + " MiB");
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
