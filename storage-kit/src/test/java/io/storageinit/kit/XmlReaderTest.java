package io.storageinit.kit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The kit's XML reader, held to what the JDK's XML writer writes. */
class XmlReaderTest {
  record Entry(String key, long size, String etag, Instant lastModified) {}

  private static List<String> events(String doc) throws IOException {
    XmlReader r = new XmlReader(doc);
    List<String> seen = new ArrayList<>();
    for (int e = r.next(); e != XmlReader.END_DOCUMENT; e = r.next()) {
      seen.add((e == XmlReader.START_ELEMENT ? "+" : "-") + r.name() + "@" + r.depth());
    }
    return seen;
  }

  @Test
  void aListingWrittenByTheJdksXmlWriterReadsBackAsWritten() throws Exception {
    Random random = new Random(11);
    String alphabet = "abc/._-&<>\"' é中\uD83D\uDE00%+=\t";
    List<Entry> written = new ArrayList<>();
    StringWriter out = new StringWriter();
    XMLStreamWriter w = XMLOutputFactory.newDefaultFactory().createXMLStreamWriter(out);
    w.writeStartDocument("UTF-8", "1.0");
    w.writeStartElement("ListBucketResult");
    w.writeDefaultNamespace("http://s3.amazonaws.com/doc/2006-03-01/");
    w.writeStartElement("Name");
    w.writeCharacters("b");
    w.writeEndElement();
    for (int i = 0; i < 500; i++) {
      StringBuilder key = new StringBuilder("m/");
      for (int n = 1 + random.nextInt(30); n > 0; n--) {
        key.appendCodePoint(
            alphabet.codePointAt(
                alphabet.offsetByCodePoints(
                    0, random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
      }
      Entry e =
          new Entry(
              key.toString(),
              random.nextInt(1 << 30),
              "\"" + Long.toHexString(random.nextLong()) + "\"",
              Instant.ofEpochMilli(1_700_000_000_000L + random.nextInt(1 << 30)));
      written.add(e);
      w.writeStartElement("Contents");
      w.writeStartElement("Key");
      if (i % 7 == 0 && !e.key().contains("]]>")) {
        w.writeCData(e.key());
      } else {
        w.writeCharacters(e.key());
      }
      w.writeEndElement();
      w.writeStartElement("LastModified");
      w.writeCharacters(e.lastModified().toString());
      w.writeEndElement();
      w.writeStartElement("ETag");
      w.writeCharacters(e.etag());
      w.writeEndElement();
      w.writeStartElement("Size");
      w.writeCharacters(Long.toString(e.size()));
      w.writeEndElement();
      w.writeStartElement("Owner");
      w.writeAttribute("note", "a > b");
      w.writeEmptyElement("ID");
      w.writeComment(" not needed ");
      w.writeEndElement();
      w.writeEndElement();
    }
    w.writeStartElement("IsTruncated");
    w.writeCharacters("false");
    w.writeEndElement();
    w.writeEndElement();
    w.writeEndDocument();
    byte[] doc = out.toString().getBytes(StandardCharsets.UTF_8);

    XmlReader r = new XmlReader(new String(doc, StandardCharsets.UTF_8));
    List<Entry> read = new ArrayList<>();
    String key = null;
    String etag = null;
    Instant modified = null;
    for (int e = r.next(); e != XmlReader.END_DOCUMENT; e = r.next()) {
      if (e != XmlReader.START_ELEMENT) {
        continue;
      }
      switch (r.name()) {
        case "Key" -> key = r.elementText();
        case "ETag" -> etag = r.elementText();
        case "LastModified" -> modified = Instant.parse(r.elementText());
        case "Size" -> read.add(new Entry(key, Long.parseLong(r.elementText()), etag, modified));
        default -> {}
      }
    }

    assertThat(read).containsExactlyElementsOf(written);
  }

  @Test
  void elementsNestAndEmptyOnesOpenAndClose() throws IOException {
    assertThat(events("<?xml version=\"1.0\"?>\n<!-- c --><a x='1>2'><b/><s3:c>t</s3:c></a>\n"))
        .containsExactly("+a@1", "+b@2", "-b@1", "+c@2", "-c@1", "-a@0");
  }

  @Test
  void textResolvesReferencesAndReadsLineBreaksAsXmlDoes() throws IOException {
    XmlReader r =
        new XmlReader("<a>x &lt;&gt;&amp;&quot;&apos; &#65;&#x1F600;\r\ny<![CDATA[<&>]]>z</a>");
    r.next();
    assertThat(r.elementText()).isEqualTo("x <>&\"' A\uD83D\uDE00\ny<&>z");
    assertThat(r.next()).isEqualTo(XmlReader.END_DOCUMENT);
  }

  @Test
  void anEmptyElementHasEmptyText() throws IOException {
    XmlReader r = new XmlReader("<a><b/><c></c></a>");
    r.next();
    r.next();
    assertThat(r.elementText()).isEmpty();
    r.next();
    assertThat(r.elementText()).isEmpty();
    assertThat(r.next()).isEqualTo(XmlReader.END_ELEMENT);
    assertThat(r.depth()).isZero();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "plain text",
        "<a>",
        "<a></b>",
        "<a><b></a></b>",
        "<a/><b/>",
        "<a/>tail",
        "lead<a/>",
        "<a>&unknown;</a>",
        "<a>&#xD800;</a>",
        "<a>&#1114112;</a>",
        "<a>& b</a>",
        "<a x=\"1></a>",
        "<!DOCTYPE a [<!ENTITY e \"boom\">]><a>&e;</a>",
        "<a><!DOCTYPE a></a>",
        "<a><!-- never closed </a>",
        "<a>< b</a>",
      })
  void whatIsNotWellFormedIsRefused(String doc) {
    assertThatThrownBy(
            () -> {
              XmlReader r = new XmlReader(doc);
              for (int e = r.next(); e != XmlReader.END_DOCUMENT; e = r.next()) {
                if (e == XmlReader.START_ELEMENT && r.name().equals("a")) {
                  r.elementText();
                }
              }
            })
        .as(doc)
        .isInstanceOf(Malformed.class);
  }

  @Test
  void aTextFieldHoldingElementsIsRefused() {
    XmlReader r = new XmlReader("<Key>a<b/></Key>");
    assertThatThrownBy(
            () -> {
              r.next();
              r.elementText();
            })
        .isInstanceOf(Malformed.class)
        .hasMessageContaining("<Key> holds an element");
  }
}
