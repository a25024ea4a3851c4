package io.storageinit.kit;

import java.util.ArrayList;
import java.util.List;

/**
 * A pull reader for the XML that object stores send (S3 and Azure listings and errors): elements,
 * attributes (skipped), text with the predefined and numeric character references, CDATA sections,
 * comments and processing instructions. A document type declaration is refused outright, so no
 * entity is ever defined, let alone fetched from outside. Tags must nest and the document must end
 * where its root does; anything else is {@link Malformed}.
 *
 * <p>It scans with {@link String#indexOf}, which the JVM runs as a native loop even before it has
 * compiled anything: reading a page of 1000 keys costs a few milliseconds at start-up (the JDK's
 * StAX parser took ~30 ms to set up and scan its first document). Not thread-safe.
 *
 * @since 0.4
 */
public final class XmlReader {
  /** {@link #next} is at a start tag. */
  public static final int START_ELEMENT = 1;

  /** {@link #next} is at an end tag (or the end of an empty element). */
  public static final int END_ELEMENT = 2;

  /** {@link #next} has reached the end of the root element. */
  public static final int END_DOCUMENT = 3;

  private final String doc;
  private final List<String> open = new ArrayList<>();
  private int pos;
  private boolean rootSeen;
  private boolean selfClosing;
  private String name;

  public XmlReader(String doc) {
    this.doc = doc;
    this.pos = doc.startsWith("\uFEFF") ? 1 : 0;
  }

  /** How deep the reader is: after a start tag, that element's level (the root's is 1). */
  public int depth() {
    return open.size();
  }

  /** The name of the element just started or ended. */
  public String name() {
    return name;
  }

  /** Moves to the next start tag, end tag or the end of the document, past text and the rest. */
  public int next() throws Malformed {
    if (selfClosing) {
      selfClosing = false;
      return end();
    }
    while (true) {
      int lt = doc.indexOf('<', pos);
      if (lt < 0) {
        if (!open.isEmpty()) {
          throw new Malformed("the document ends inside <" + open.get(open.size() - 1) + ">");
        }
        requireBlank(pos, doc.length());
        if (!rootSeen) {
          throw new Malformed("not an XML document: no element in it");
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
          throw new Malformed(
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
  public String elementText() throws Malformed {
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
        throw new Malformed(
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

  private int start(int lt) throws Malformed {
    if (open.isEmpty() && rootSeen) {
      throw new Malformed("more than one root element");
    }
    int i = lt + 1;
    int nameEnd = i;
    while (nameEnd < doc.length() && !isNameEnd(doc.charAt(nameEnd))) {
      nameEnd++;
    }
    if (nameEnd == i) {
      throw new Malformed("a '<' that starts no tag at offset " + lt);
    }
    name = localName(doc.substring(i, nameEnd));
    // Attributes: skipped, quoted values and all (a '>' may stand inside quotes).
    int j = nameEnd;
    while (true) {
      if (j >= doc.length()) {
        throw new Malformed("the document ends inside <" + name + ">");
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
  private boolean skipMarkup() throws Malformed {
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
        throw new Malformed("character data outside the root element");
      }
      pos = indexOf("]]>", pos) + 3;
      return true;
    }
    if (doc.startsWith("<!", pos)) {
      throw new Malformed(
          "the document declares a type (<!DOCTYPE ...>), which S3 never sends; refused");
    }
    return false;
  }

  private void requireBlank(int from, int to) throws Malformed {
    for (int i = from; i < to; i++) {
      char c = doc.charAt(i);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        throw new Malformed("text outside the root element at offset " + i);
      }
    }
  }

  private int indexOf(char c, int from) throws Malformed {
    int i = doc.indexOf(c, from);
    if (i < 0) {
      throw new Malformed("the document ends before a '" + c + "'");
    }
    return i;
  }

  private int indexOf(String s, int from) throws Malformed {
    int i = doc.indexOf(s, from);
    if (i < 0) {
      throw new Malformed("the document ends before a '" + s + "'");
    }
    return i;
  }

  /** Text with its references resolved and its line breaks as XML reads them. */
  public static String decode(String raw) throws Malformed {
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
        throw new Malformed("a '&' that starts no reference");
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

  private static int codePoint(String ref) throws Malformed {
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
    throw new Malformed("an unknown reference &" + ref + ";");
  }

  private static int checked(int cp, String ref) throws Malformed {
    if (cp < 0 || cp > Character.MAX_CODE_POINT || (cp >= 0xD800 && cp <= 0xDFFF)) {
      throw new Malformed("a reference to no character: &" + ref + ";");
    }
    return cp;
  }
}
