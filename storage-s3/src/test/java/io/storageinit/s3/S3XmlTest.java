package io.storageinit.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class S3XmlTest {
  private static InputStream xml(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void anErrorDocumentGivesItsCodeMessageAndRegion() throws IOException {
    assertThat(
            S3Xml.error(
                xml(
                    "<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchBucket</Code>"
                        + "<Message>The specified bucket does not exist</Message>"
                        + "<Region>eu-west-1</Region><RequestId>4442587FB7D0A2F9</RequestId></Error>")))
        .containsEntry("Code", "NoSuchBucket")
        .containsEntry("Message", "The specified bucket does not exist")
        .containsEntry("Region", "eu-west-1");
  }

  @Test
  void aPageGivesItsObjectsAndTheNextToken() throws IOException {
    S3Xml.Page page =
        S3Xml.listPage(
            xml(
                """
                <?xml version="1.0" encoding="UTF-8"?>
                <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
                  <Name>b</Name><Prefix>m/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>
                  <IsTruncated>true</IsTruncated>
                  <Contents>
                    <Key>m/a &amp; b.bin</Key><LastModified>2026-11-25T10:00:01.000Z</LastModified>
                    <ETag>&quot;0123456789abcdef0123456789abcdef&quot;</ETag><Size>12</Size>
                    <Owner><ID>x</ID><DisplayName>y</DisplayName></Owner>
                    <StorageClass>STANDARD</StorageClass>
                  </Contents>
                  <Contents>
                    <Key>m/empty</Key><LastModified>2026-11-25T10:00:02Z</LastModified>
                    <ETag>"d41d8cd98f00b204e9800998ecf8427e"</ETag><Size>0</Size>
                  </Contents>
                  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
                </ListBucketResult>"""));
    assertThat(page.entries())
        .containsExactly(
            new S3Xml.Entry(
                "m/a & b.bin",
                12,
                "\"0123456789abcdef0123456789abcdef\"",
                Instant.parse("2026-11-25T10:00:01Z")),
            new S3Xml.Entry(
                "m/empty",
                0,
                "\"d41d8cd98f00b204e9800998ecf8427e\"",
                Instant.parse("2026-11-25T10:00:02Z")));
    assertThat(page.nextToken()).contains("1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
  }

  @Test
  void urlEncodedKeysAreDecodedOnlyWhenTheStoreSaysSo() throws IOException {
    String page =
        "<ListBucketResult>%s<IsTruncated>false</IsTruncated>"
            + "<Contents><Key>m/a+b%%2Bc%%20d%%E2%%82%%AC</Key><Size>1</Size></Contents>"
            + "</ListBucketResult>";
    assertThat(S3Xml.listPage(xml(page.formatted("<EncodingType>url</EncodingType>"))).entries())
        .extracting(S3Xml.Entry::key)
        .containsExactly("m/a b+c d\u20ac");
    assertThat(S3Xml.listPage(xml(page.formatted(""))).entries())
        .extracting(S3Xml.Entry::key)
        .containsExactly("m/a+b%2Bc%20d%E2%82%AC");
  }

  @Test
  void aLastPageHasNoToken() throws IOException {
    assertThat(
            S3Xml.listPage(
                    xml("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>"))
                .nextToken())
        .isEmpty();
  }

  @Test
  void aTruncatedPageWithoutATokenIsRefusedRatherThanEndingTheListingEarly() {
    assertThatThrownBy(
            () ->
                S3Xml.listPage(
                    xml("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("NextContinuationToken");
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {
        "<Size>-5</Size><LastModified>2026-01-01T00:00:00.000Z</LastModified>",
        "<Size>+5</Size><LastModified>2026-01-01T00:00:00.000Z</LastModified>",
        "<Size>lots</Size><LastModified>2026-01-01T00:00:00.000Z</LastModified>",
        "<Size>99999999999999999999</Size><LastModified>2026-01-01T00:00:00.000Z</LastModified>",
        "<Size>5</Size><LastModified>yesterday</LastModified>",
        "<Size>5</Size><LastModified>2026-13-45T99:00:00.000Z</LastModified>"
      })
  void malformedSizesAndDatesAreAnInvalidAnswerNotAnInternalError(String fields) {
    assertThatThrownBy(
            () ->
                S3Xml.listPage(
                    xml(
                        "<ListBucketResult><Contents><Key>m/a</Key>"
                            + fields
                            + "</Contents></ListBucketResult>")))
        .isInstanceOf(io.storageinit.kit.Malformed.class);
  }

  @Test
  void anHtmlPageIsNotAListing() {
    assertThatThrownBy(() -> S3Xml.listPage(xml("<html><body>proxy error</html>")))
        .isInstanceOf(IOException.class)
        .isInstanceOf(io.storageinit.kit.Malformed.class);
  }

  @Test
  void aWellFormedDocumentOfAnotherKindIsNotAnEmptyListing() {
    assertThatThrownBy(() -> S3Xml.listPage(xml("<html><body>Welcome</body></html>")))
        .isInstanceOf(io.storageinit.kit.Malformed.class)
        .hasMessageContaining("root element is html");
  }

  @Test
  void aBrokenConnectionStaysAnIoFailureNotAMalformedDocument() {
    InputStream broken =
        new java.io.SequenceInputStream(
            xml("<ListBucketResult><Contents><Key>m/a</Key>"),
            new InputStream() {
              @Override
              public int read() throws IOException {
                throw new java.net.SocketException("Connection reset");
              }
            });
    assertThatThrownBy(() -> S3Xml.listPage(broken))
        .isInstanceOf(java.net.SocketException.class)
        .hasMessage("Connection reset");
  }

  @Test
  void entitiesFromOutsideAreNeverRead() {
    assertThatThrownBy(
            () ->
                S3Xml.listPage(
                    xml(
                        "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                            + "<ListBucketResult><Contents><Key>&x;</Key></Contents></ListBucketResult>")))
        .isInstanceOf(IOException.class);
  }

  @Test
  void lastModifiedInTheFormS3WritesIsReadAsInstantParseWouldRead() {
    java.util.Random random = new java.util.Random(7);
    for (int i = 0; i < 2000; i++) {
      // Millisecond instants from 1970 to 2100, printed the way S3 prints them.
      long millis = (long) (random.nextDouble() * 4_102_444_800_000L);
      String text =
          java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
              .withZone(java.time.ZoneOffset.UTC)
              .format(Instant.ofEpochMilli(millis));
      assertThat(S3Xml.instant(text)).as(text).isEqualTo(Instant.ofEpochMilli(millis));
    }
    assertThat(S3Xml.instant("2024-02-29T23:59:59.999Z"))
        .isEqualTo(Instant.parse("2024-02-29T23:59:59.999Z"));
    // As S3Proxy and some other stores write it.
    assertThat(S3Xml.instant("2026-11-30T11:37:16Z"))
        .isEqualTo(Instant.parse("2026-11-30T11:37:16Z"));
  }

  @Test
  void lastModifiedInOtherFormsFallsBackToInstantParse() {
    assertThat(S3Xml.instant("2024-05-01T12:00:00.5Z"))
        .isEqualTo(Instant.parse("2024-05-01T12:00:00.5Z"));
    assertThat(S3Xml.instant("2024-05-01T12:00:00+02:00"))
        .isEqualTo(Instant.parse("2024-05-01T10:00:00Z"));
    assertThat(S3Xml.instant("2024-05-01T12:00:00.123456Z"))
        .isEqualTo(Instant.parse("2024-05-01T12:00:00.123456Z"));
    assertThatThrownBy(() -> S3Xml.instant("2023-02-29T00:00:00.000Z"))
        .isInstanceOf(java.time.format.DateTimeParseException.class);
    assertThat(S3Xml.instant("2024-05-01T24:00:00.000Z"))
        .isEqualTo(Instant.parse("2024-05-01T24:00:00.000Z"));
    assertThatThrownBy(() -> S3Xml.instant("2023-02-29T00:00:00Z"))
        .isInstanceOf(java.time.format.DateTimeParseException.class);
    assertThatThrownBy(() -> S3Xml.instant("2024-0x-01T12:00:00.000Z"))
        .isInstanceOf(java.time.format.DateTimeParseException.class);
  }
}
