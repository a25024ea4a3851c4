package io.storageinit.azure;

import io.storageinit.kit.Malformed;
import io.storageinit.kit.XmlReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the listings of the Blob service (List Blobs) and the File service (List Directories and
 * Files), and their error documents, with the kit's {@link XmlReader}.
 */
final class AzureXml {
  private AzureXml() {}

  /**
   * One entry of a listing.
   *
   * @param kind {@code Blob}, {@code BlobPrefix}, {@code File} or {@code Directory}
   * @param fields the entry's {@code Name} and its {@code Properties} ({@code Content-Length},
   *     {@code Etag}, {@code Content-MD5}, {@code Last-Modified}, {@code Content-Type})
   */
  record Entry(String kind, Map<String, String> fields) {
    String name() {
      return fields.get("Name");
    }
  }

  /** A page: its entries and the marker of the next page, if any. */
  record Page(List<Entry> entries, Optional<String> nextMarker) {}

  static Page page(String doc) throws Malformed {
    XmlReader r = new XmlReader(doc);
    List<Entry> entries = new ArrayList<>();
    String next = null;
    String kind = null;
    Map<String, String> fields = null;
    for (int event = r.next(); event != XmlReader.END_DOCUMENT; event = r.next()) {
      int depth = r.depth();
      String name = r.name();
      if (event == XmlReader.START_ELEMENT) {
        if (depth == 1 && !name.equals("EnumerationResults")) {
          throw new Malformed("a listing's root element is " + name + ", not EnumerationResults");
        }
        if (depth == 2 && name.equals("NextMarker")) {
          next = r.elementText();
        } else if (depth == 2 && !name.equals("Blobs") && !name.equals("Entries")) {
          // Blobs or Entries hold what is listed; the rest (Prefix, Marker, MaxResults) is echoed.
          r.elementText();
        } else if (depth == 3) {
          kind = name;
          fields = new HashMap<>();
        } else if (depth == 4 && fields != null && !name.equals("Properties")) {
          fields.put(name, r.elementText());
        } else if (depth == 5 && fields != null) {
          fields.put(name, r.elementText());
        } else if (depth > 5) {
          skip(r);
        }
      } else if (event == XmlReader.END_ELEMENT && depth == 2 && kind != null) {
        if (fields.get("Name") == null) {
          throw new Malformed("a " + kind + " without a Name");
        }
        entries.add(new Entry(kind, Map.copyOf(fields)));
        kind = null;
        fields = null;
      }
    }
    return new Page(entries, Optional.ofNullable(next).filter(m -> !m.isEmpty()));
  }

  /** The {@code Code} and {@code Message} of an error document; empty strings when absent. */
  static String[] error(String doc) {
    String code = "";
    String message = "";
    try {
      XmlReader r = new XmlReader(doc);
      for (int event = r.next(); event != XmlReader.END_DOCUMENT; event = r.next()) {
        if (event == XmlReader.START_ELEMENT && r.depth() == 2) {
          String name = r.name();
          String text = r.elementText();
          if (name.equals("Code")) {
            code = text;
          } else if (name.equals("Message")) {
            message = text;
          }
        }
      }
    } catch (Malformed | RuntimeException e) {
      // Not an error document (a proxy's page): the status and header tell it.
    }
    return new String[] {code, message};
  }

  private static void skip(XmlReader r) throws Malformed {
    int depth = r.depth();
    for (int event = r.next(); ; event = r.next()) {
      if (event == XmlReader.END_DOCUMENT) {
        throw new Malformed("the document ends inside an element");
      }
      if (event == XmlReader.END_ELEMENT && r.depth() == depth - 1) {
        return;
      }
    }
  }
}
