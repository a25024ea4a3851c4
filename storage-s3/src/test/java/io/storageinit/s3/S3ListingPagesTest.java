package io.storageinit.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.storageinit.api.Listing;
import io.storageinit.api.RemoteObject;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageException;
import io.storageinit.tck.TestProviderContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A long listing is handed over page by page, as S3 returns it (1000 keys a page). */
class S3ListingPagesTest {
  static TestS3Server server;

  @BeforeAll
  static void start() throws Exception {
    server = TestS3Server.start(false);
    server.bucket("paged");
    for (int i = 0; i < 1003; i++) {
      server.put("paged", String.format("m/f%04d", i), ("" + i).getBytes(StandardCharsets.UTF_8));
    }
    server.put("paged", "m/folder/", new byte[0]);
    server.put("paged", "m0/sibling", new byte[1]);
    server.put("paged", "both", "the object".getBytes(StandardCharsets.UTF_8));
    server.put("paged", "both/inside", new byte[3]);
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  @Test
  void everyPageIsHandedOverBeforeTheNextAndTogetherTheyAreTheListing() {
    List<List<String>> pages = new ArrayList<>();
    try (StorageClient client =
        new S3StorageProvider().open(new TestProviderContext(server.environment()))) {
      Listing listing =
          client.list(
              "s3://paged/m", page -> pages.add(page.stream().map(RemoteObject::path).toList()));
      assertThat(pages).hasSize(2);
      assertThat(pages.get(0)).hasSize(1000).startsWith("f0000");
      // The folder marker is left out of the second page, the sibling prefix never listed.
      assertThat(pages.get(1)).containsExactly("f1000", "f1001", "f1002");
      assertThat(listing.objects())
          .extracting(RemoteObject::path)
          .containsExactlyElementsOf(pages.stream().flatMap(List::stream).toList());
    }
  }

  @Test
  void anObjectWinsOverAFolderOfTheSameNameAndNoPageOfTheFolderIsHandedOver() {
    List<List<RemoteObject>> pages = new ArrayList<>();
    try (StorageClient client =
        new S3StorageProvider().open(new TestProviderContext(server.environment()))) {
      Listing listing = client.list("s3://paged/both", pages::add);
      assertThat(listing.objects()).extracting(RemoteObject::path).containsExactly("both");
      assertThat(listing.objects().get(0).size()).isEqualTo("the object".length());
      assertThat(pages).isEmpty();
      // With the trailing slash it is the folder.
      assertThat(client.list("s3://paged/both/").objects())
          .extracting(RemoteObject::path)
          .containsExactly("inside");
    }
  }

  @Test
  void withS3VerifyEtagAListedObjectCarriesItsEtagAsMd5() throws Exception {
    java.util.Map<String, String> env = new java.util.HashMap<>(server.environment());
    env.put("S3_VERIFY_ETAG", "true");
    try (StorageClient client = new S3StorageProvider().open(new TestProviderContext(env))) {
      RemoteObject inside = client.list("s3://paged/both/").objects().get(0);
      String md5 =
          java.util.HexFormat.of()
              .formatHex(java.security.MessageDigest.getInstance("MD5").digest(new byte[3]));
      assertThat(inside.checksum())
          .hasValueSatisfying(
              c -> {
                assertThat(c.algorithm()).isEqualTo(io.storageinit.api.Checksum.Algorithm.MD5);
                assertThat(c.hex()).isEqualToIgnoringCase(md5);
              });
    }
    try (StorageClient client =
        new S3StorageProvider().open(new TestProviderContext(server.environment()))) {
      assertThat(client.list("s3://paged/both/").objects().get(0).checksum()).isEmpty();
    }
    // Only 32 hex digits are an MD5: a multipart ETag ends in "-" and its part count.
    assertThat(S3StorageClient.isMd5Hex("0123456789abcdefABCDEF0123456789")).isTrue();
    assertThat(S3StorageClient.isMd5Hex("0123456789abcdef0123456789abcdef-2")).isFalse();
    assertThat(S3StorageClient.isMd5Hex("0123456789abcdef0123456789abcdeg")).isFalse();
    // Full-width digits are digits to Character.digit, not to S3.
    assertThat(S3StorageClient.isMd5Hex("\uff10123456789abcdef0123456789abcdef")).isFalse();
    assertThat(S3StorageClient.isMd5Hex("")).isFalse();
  }

  @Test
  void aMissingBucketIsNotFoundWhetherTheUriNamesAnObjectOrAFolder() {
    try (StorageClient client =
        new S3StorageProvider().open(new TestProviderContext(server.environment()))) {
      for (String uri : List.of("s3://no-such-bucket/m", "s3://no-such-bucket/m/")) {
        assertThatThrownBy(() -> client.list(uri))
            .as(uri)
            .isInstanceOfSatisfying(
                StorageException.class,
                e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.NOT_FOUND))
            .hasMessageContaining("Bucket 'no-such-bucket' does not exist");
      }
    }
  }
}
