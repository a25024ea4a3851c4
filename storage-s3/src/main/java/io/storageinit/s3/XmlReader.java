package io.storageinit.s3;

import java.util.ArrayList;
import java.util.List;

/**
 * A pull reader for the XML that S3 sends: elements, attributes (skipped), text with the predefined
 * and numeric character references, CDATA sections, comments and processing instructions. A
 * document type declaration is refused outright, so no entity is ever defined, let alone fetched
 * from outside. Tags must nest and the document must end where its root does; anything else is
 * {@link S3Xml.Malformed}.
 *
 * <p>It scans with {@link String#indexOf}, which the JVM runs as a native loop even before it has
 * compiled anything: reading a page of 1000 keys costs a few milliseconds at start-up.
 */
final class XmlReader {
  static final int START_ELEMENT = 1;
  static final int END_ELEMENT = 2;
  static final int END_DOCUMENT = 3;

  private final String doc;
  private final List<String> open = new ArrayList<>();
  private int pos;
  private boolean rootSeen;
  private boolean selfClosing;
  private String name;

  XmlReader(String doc) {
    this.doc = doc;
    this.pos = doc.startsWith("\uFEFF") ? 1 : 0;
  }

  /** How deep the reader is: after a start tag, that element's level (the root's is 1). */
  int depth() {
    return open.size();
  }

  /** The name of the element just started or ended. */
  String name() {
    return name;
  }

  /** Moves to the next start tag, end tag or the end of the document, past text and the rest. */
  int next() throws S3Xml.Malformed {
    if (selfClosing) {
      selfClosing = false;
      return end();
    }
    while (true) {
      int lt = doc.indexOf('<', pos);
      if (lt < 0) {
        if (!open.isEmpty()) {
          throw new S3Xml.Malformed("the document ends inside <" + open.get(open.size() - 1) + ">");
        }
        requireBlank(pos, doc.length());
        if (!rootSeen) {
          throw new S3Xml.Malformed("not an XML document: no element in it");
        }
        pos = doc.length();
        return END_DOCUMENT;
      }
      if (open.isEmpty()) {
        requireBlank(pos, lt);
      }
      pos = lt;
      if (skipMarkup()) {
        continue;
      }
      if (doc.startsWith("</", lt)) {
        int gt = indexOf('>', lt);
        name = localName(doc.substring(lt + 2, gt).strip());
        if (open.isEmpty() || !open.get(open.size() - 1).equals(name)) {
          throw new S3Xml.Malformed(
              "</"
                  + name
                  + "> does not close "
                  + (open.isEmpty() ? "any element" : "<" + open.get(open.size() - 1) + ">"));
        }
        pos = gt + 1;
        return end();
      }
      return start(lt);
    }
  }

  /**
   * The text of the element just started, up to its end tag (which is consumed). An element inside
   * it is malformed here: S3's fields hold text only.
   */
  String elementText() throws S3Xml.Malformed {
    if (selfClosing) {
      selfClosing = false;
      end();
      return "";
    }
    StringBuilder text = null;
    String first = null;
    while (true) {
      int lt = indexOf('<', pos);
      String piece = doc.substring(pos, lt);
      if (!piece.isEmpty()) {
        piece = decode(piece);
        if (first == null && text == null) {
          first = piece;
        } else {
          if (text == null) {
            text = new StringBuilder(first);
          }
          text.append(piece);
        }
      }
      pos = lt;
      if (doc.startsWith("<![CDATA[", lt)) {
        if (text == null) {
          text = new StringBuilder(first == null ? "" : first);
        }
        int end = indexOf("]]>", lt);
        text.append(doc, lt + 9, end);
        pos = end + 3;
        continue;
      }
      if (skipMarkup()) {
        continue;
      }
      if (!doc.startsWith("</", lt)) {
        throw new S3Xml.Malformed(
            "<" + open.get(open.size() - 1) + "> holds an element where text was expected");
      }
      next();
      return text != null ? text.toString() : first == null ? "" : first;
    }
  }

  private int end() {
    name = open.remove(open.size() - 1);
    return END_ELEMENT;
  }

  private int start(int lt) throws S3Xml.Malformed {
    if (open.isEmpty() && rootSeen) {
      throw new S3Xml.Malformed("more than one root element");
    }
    int i = lt + 1;
    int nameEnd = i;
    while (nameEnd < doc.length() && !isNameEnd(doc.charAt(nameEnd))) {
      nameEnd++;
    }
    if (nameEnd == i) {
      throw new S3Xml.Malformed("a '<' that starts no tag at offset " + lt);
    }
    name = localName(doc.substring(i, nameEnd));
    // Attributes: skipped, quoted values and all (a '>' may stand inside quotes).
    int j = nameEnd;
    while (true) {
      if (j >= doc.length()) {
        throw new S3Xml.Malformed("the document ends inside <" + name + ">");
      }
      char c = doc.charAt(j);
      if (c == '"' || c == '\'') {
        j = indexOf(c, j + 1) + 1;
      } else if (c == '>') {
        selfClosing = doc.charAt(j - 1) == '/';
        break;
      } else {
        j++;
      }
    }
    pos = j + 1;
    open.add(name);
    rootSeen = true;
    return START_ELEMENT;
  }

  private static String localName(String qualified) {
    int colon = qualified.indexOf(':');
    return colon < 0 ? qualified : qualified.substring(colon + 1);
  }

  private static boolean isNameEnd(char c) {
    return c == '>' || c == '/' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }

  /**
   * Skips a comment, processing instruction or CDATA section at {@code pos} and returns true; false
   * when a tag is there instead.
   */
  private boolean skipMarkup() throws S3Xml.Malformed {
    if (doc.startsWith("<?", pos)) {
      pos = indexOf("?>", pos) + 2;
      return true;
    }
    if (doc.startsWith("<!--", pos)) {
      pos = indexOf("-->", pos + 4) + 3;
      return true;
    }
    if (doc.startsWith("<![CDATA[", pos)) {
      if (open.isEmpty()) {
        throw new S3Xml.Malformed("character data outside the root element");
      }
      pos = indexOf("]]>", pos) + 3;
      return true;
    }
    if (doc.startsWith("<!", pos)) {
      throw new S3Xml.Malformed(
          "the document declares a type (<!DOCTYPE ...>), which S3 never sends; refused");
    }
    return false;
  }

  private void requireBlank(int from, int to) throws S3Xml.Malformed {
    for (int i = from; i < to; i++) {
      char c = doc.charAt(i);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        throw new S3Xml.Malformed("text outside the root element at offset " + i);
      }
    }
  }

  private int indexOf(char c, int from) throws S3Xml.Malformed {
    int i = doc.indexOf(c, from);
    if (i < 0) {
      throw new S3Xml.Malformed("the document ends before a '" + c + "'");
    }
    return i;
  }

  private int indexOf(String s, int from) throws S3Xml.Malformed {
    int i = doc.indexOf(s, from);
    if (i < 0) {
      throw new S3Xml.Malformed("the document ends before a '" + s + "'");
    }
    return i;
  }

  /** Text with its references resolved and its line breaks as XML reads them. */
  static String decode(String raw) throws S3Xml.Malformed {
    if (raw.indexOf('\r') >= 0) {
      raw = raw.replace("\r\n", "\n").replace('\r', '\n');
    }
    int amp = raw.indexOf('&');
    if (amp < 0) {
      return raw;
    }
    StringBuilder b = new StringBuilder(raw.length());
    int from = 0;
    while (amp >= 0) {
      b.append(raw, from, amp);
      int semi = raw.indexOf(';', amp);
      if (semi < 0) {
        throw new S3Xml.Malformed("a '&' that starts no reference");
      }
      String ref = raw.substring(amp + 1, semi);
      switch (ref) {
        case "lt" -> b.append('<');
        case "gt" -> b.append('>');
        case "amp" -> b.append('&');
        case "quot" -> b.append('"');
        case "apos" -> b.append('\'');
        default -> b.appendCodePoint(codePoint(ref));
      }
      from = semi + 1;
      amp = raw.indexOf('&', from);
    }
    return b.append(raw, from, raw.length()).toString();
  }

  private static int codePoint(String ref) throws S3Xml.Malformed {
    try {
      if (ref.startsWith("#x")) {
        return checked(Integer.parseInt(ref.substring(2), 16), ref);
      }
      if (ref.startsWith("#")) {
        return checked(Integer.parseInt(ref.substring(1)), ref);
      }
    } catch (NumberFormatException e) {
      // Reported below.
    }
    throw new S3Xml.Malformed("an unknown reference &" + ref + ";");
  }

  private static int checked(int cp, String ref) throws S3Xml.Malformed {
    if (cp < 0 || cp > Character.MAX_CODE_POINT || (cp >= 0xD800 && cp <= 0xDFFF)) {
      throw new S3Xml.Malformed("a reference to no character: &" + ref + ";");
    }
    return cp;
  }
}
