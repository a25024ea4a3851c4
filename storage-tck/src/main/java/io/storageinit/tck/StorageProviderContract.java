package io.storageinit.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.storageinit.api.Capability;
import io.storageinit.api.Listing;
import io.storageinit.api.RemoteObject;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link StorageProvider} must meet. Extend it, implement {@link #provider()}
 * and {@link #newFixture()}, and every test runs against your real backend:
 *
 * <pre>{@code
 * class MyProviderTest extends StorageProviderContract {
 *   protected StorageProvider provider() { return new MyProvider(); }
 *   protected BackendFixture newFixture() { return new MyBackendFixture(server); }
 * }
 * }</pre>
 *
 * <p>Capabilities are tested both ways: a client that declares {@link Capability#RANGED_READS} must
 * serve ranges exactly; one that does not must refuse them with {@code UNSUPPORTED}. Do not
 * override a contract test to dodge it.
 *
 * @since 0.1
 */
public abstract class StorageProviderContract {

  /** Returns a fresh instance of the provider under test. */
  protected abstract StorageProvider provider();

  /** Returns a fixture over an empty, private root of the real backend. */
  protected abstract BackendFixture newFixture() throws Exception;

  /** Returns the context the client is opened with; by default the fixture's environment. */
  protected TestProviderContext context(BackendFixture fixture) {
    return new TestProviderContext(fixture.environment());
  }

  /**
   * Whether a URI may name one object of the store ({@code s3://bucket/dir/model.bin}). Stores of
   * repositories, whose URIs name a whole repository ({@code hf://owner/model}), answer false: the
   * tests of exact objects are skipped, and the others find their objects in a listing of the
   * folder that holds them. The fixture's {@link BackendFixture#uri} then names a repository
   * holding what lies below the path.
   *
   * @since 0.4
   */
  protected boolean addressesObjects() {
    return true;
  }

  /**
   * Whether empty objects are model files. A store whose reference behaviour leaves them out
   * (KServe skips zero-byte Azure blobs: on accounts with a hierarchical namespace they are
   * folders) answers false, and the TCK checks that they are left out instead.
   *
   * @since 0.5
   */
  protected boolean keepsEmptyObjects() {
    return true;
  }

  /** A size big enough to exercise buffering and ranges; override for slow backends. */
  protected int largeObjectSize() {
    return 3 * 1024 * 1024 + 17;
  }

  private BackendFixture fixture;
  private StorageClient client;

  @BeforeEach
  void openClient() throws Exception {
    fixture = newFixture();
    client = provider().open(context(fixture));
  }

  @AfterEach
  void closeClient() throws Exception {
    if (client != null) {
      client.close();
    }
    if (fixture != null) {
      fixture.close();
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] pattern(int size) {
    byte[] data = new byte[size];
    for (int i = 0; i < size; i++) {
      data[i] = (byte) (i * 31 + (i >>> 8));
    }
    return data;
  }

  private byte[] readAll(RemoteObject object, long offset, long length) {
    try (InputStream in = client.read(object, offset, length)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> paths(Listing listing) {
    return listing.objects().stream().map(RemoteObject::path).sorted().toList();
  }

  private boolean trees() {
    return client.capabilities().contains(Capability.TREES);
  }

  /** Without {@link Capability#TREES}, a folder URI is not found, refused, or one object. */
  private void assertNoTree(String uri) {
    Listing listing;
    try {
      listing = client.list(uri);
    } catch (StorageException e) {
      assertThat(e.kind()).isIn(StorageException.Kind.NOT_FOUND, StorageException.Kind.UNSUPPORTED);
      return;
    }
    assertThat(listing.singleObject()).isTrue();
  }

  /**
   * Lists the named objects under {@code dir}: as one tree when the client lists trees, else one by
   * one. Sorted by path.
   */
  private List<RemoteObject> listEach(String dir, String... names) {
    if (trees()) {
      return client.list(fixture.uri(dir)).objects().stream()
          .sorted(Comparator.comparing(RemoteObject::path))
          .toList();
    }
    return Arrays.stream(names).sorted().map(n -> object(dir + "/" + n)).toList();
  }

  /** The object at {@code path}: listed by its own URI, or found in its folder's listing. */
  private RemoteObject object(String path) {
    if (addressesObjects()) {
      return only(client.list(fixture.uri(path)));
    }
    int slash = path.lastIndexOf('/');
    String folder = slash < 0 ? "" : path.substring(0, slash);
    String name = path.substring(slash + 1);
    List<RemoteObject> found =
        client.list(fixture.uri(folder)).objects().stream()
            .filter(o -> o.path().equals(name))
            .toList();
    assertThat(found).as(path).hasSize(1);
    return found.get(0);
  }

  private RemoteObject only(Listing listing) {
    assertThat(listing.objects()).hasSize(1);
    return listing.objects().get(0);
  }

  @Nested
  @DisplayName("discovery")
  class Discovery {
    @Test
    void providerIsRegisteredAsAService() {
      List<String> registered =
          ServiceLoader.load(StorageProvider.class, provider().getClass().getClassLoader()).stream()
              .map(p -> p.type().getName())
              .toList();
      assertThat(registered).contains(provider().getClass().getName());
    }

    @Test
    void descriptorNamesTheProviderAndItsSchemes() {
      StorageProvider p = provider();
      assertThat(p.name()).matches("[a-z0-9][a-z0-9-]*");
      assertThat(p.schemes()).isNotEmpty().allMatch(s -> s.matches("[a-z][a-z0-9+.-]*"));
      assertThat(p.uriFormats()).isNotEmpty();
    }

    @Test
    void supportsItsOwnUrisAndNoOthers() {
      assertThat(provider().supports(fixture.uri("model.bin"))).isTrue();
      assertThat(provider().supports("no-such-scheme-tck://bucket/model.bin")).isFalse();
    }
  }

  @Nested
  @DisplayName("listing")
  class Listings {
    @Test
    void anExactObjectListsAsItselfUnderItsBaseName() throws Exception {
      org.junit.jupiter.api.Assumptions.assumeTrue(
          addressesObjects(), "this store's URIs name repositories, not objects");
      fixture.put("dir/model.bin", bytes("weights"));
      Listing listing = client.list(fixture.uri("dir/model.bin"));
      assertThat(listing.singleObject()).isTrue();
      RemoteObject object = only(listing);
      assertThat(object.path()).isEqualTo("model.bin");
      assertThat(object.size()).isIn(-1L, 7L);
    }

    @Test
    void aTreeListsEveryObjectRelativeToItsRootWhenTreesAreDeclared() throws Exception {
      fixture.put("model/config.json", bytes("{}"));
      fixture.put("model/weights/part-0", bytes("aaaa"));
      fixture.put("model/weights/deep/part-1", bytes("bbbbbb"));
      if (!trees()) {
        assertNoTree(fixture.uri("model"));
        return;
      }
      Listing listing = client.list(fixture.uri("model"));
      assertThat(listing.singleObject()).isFalse();
      assertThat(paths(listing))
          .containsExactly("config.json", "weights/deep/part-1", "weights/part-0");
      assertThat(listing.objects())
          .filteredOn(o -> o.path().equals("weights/deep/part-1"))
          .allMatch(o -> o.size() == 6 || o.size() == -1);
    }

    @Test
    void pagesHandOverEveryObjectOfATreeOnceInOrderOrNone() throws Exception {
      fixture.put("paged/a.json", bytes("{}"));
      fixture.put("paged/w/b.bin", bytes("bb"));
      fixture.put("paged/w/c.bin", bytes("ccc"));
      fixture.put("one.bin", bytes("1"));
      List<RemoteObject> handed = new java.util.ArrayList<>();
      if (trees()) {
        Listing listing = client.list(fixture.uri("paged"), handed::addAll);
        assertThat(paths(listing)).containsExactly("a.json", "w/b.bin", "w/c.bin");
        if (!handed.isEmpty()) {
          assertThat(handed)
              .extracting(RemoteObject::path)
              .containsExactlyElementsOf(
                  listing.objects().stream().map(RemoteObject::path).toList());
        }
      }
      if (!addressesObjects()) {
        return;
      }
      handed.clear();
      Listing exact = client.list(fixture.uri("one.bin"), handed::addAll);
      assertThat(exact.singleObject()).isTrue();
      assertThat(handed).isEmpty();
    }

    @Test
    void aTreeIsAFolderNotAStringPrefix() throws Exception {
      fixture.put("models/v1/a.bin", bytes("one"));
      fixture.put("models/v10/b.bin", bytes("ten"));
      if (!trees()) {
        assertNoTree(fixture.uri("models/v1"));
        return;
      }
      assertThat(paths(client.list(fixture.uri("models/v1")))).containsExactly("a.bin");
    }

    @Test
    void emptyObjectsAreModelFiles() throws Exception {
      fixture.put("m/empty.txt", new byte[0]);
      fixture.put("m/full.txt", bytes("x"));
      if (!keepsEmptyObjects()) {
        assertThat(paths(client.list(fixture.uri("m")))).containsExactly("full.txt");
        return;
      }
      List<RemoteObject> objects = listEach("m", "empty.txt", "full.txt");
      assertThat(objects).extracting(RemoteObject::path).containsExactly("empty.txt", "full.txt");
      assertThat(objects.get(0).size()).isIn(-1L, 0L);
      assertThat(readAll(objects.get(0), 0, -1)).isEmpty();
    }

    @Test
    void nothingAtTheUriIsNotFoundOrAnEmptyTree() {
      Listing listing;
      try {
        listing = client.list(fixture.uri("does-not-exist"));
      } catch (StorageException e) {
        assertThat(e.kind()).isEqualTo(StorageException.Kind.NOT_FOUND);
        assertThat(e.getMessage()).contains("does-not-exist");
        return;
      }
      assertThat(listing.singleObject()).isFalse();
      assertThat(listing.objects()).isEmpty();
    }

    @Test
    void localPathsArePromisedOnlyWhenDeclared() throws Exception {
      fixture.put("lp/a.txt", bytes("alpha"));
      RemoteObject object = object("lp/a.txt");
      if (client.capabilities().contains(Capability.LOCAL_PATHS)) {
        assertThat(object.localPath()).isPresent();
        assertThat(Files.readAllBytes(object.localPath().get())).isEqualTo(bytes("alpha"));
      } else {
        assertThat(object.localPath()).isEmpty();
      }
    }
  }

  @Nested
  @DisplayName("reading")
  class Reading {
    @Test
    void readsAWholeObjectByteForByte() throws Exception {
      byte[] data = pattern(largeObjectSize());
      fixture.put("big/model.bin", data);
      RemoteObject object = object("big/model.bin");
      assertThat(readAll(object, 0, -1)).isEqualTo(data);
    }

    @Test
    void verifyAcceptsAnExactDownload() throws Exception {
      byte[] data = pattern(largeObjectSize());
      fixture.put("checked/model.bin", data);
      RemoteObject object = object("checked/model.bin");
      java.nio.file.Path file = Files.createTempFile("tck-verify", ".partial");
      try {
        Files.write(file, readAll(object, 0, -1));
        client.verify(object, file);
        assertThat(file).hasBinaryContent(data);
      } finally {
        Files.deleteIfExists(file);
      }
    }

    @Test
    void rangedReadsAreExactWhenDeclaredAndRefusedOtherwise() throws Exception {
      byte[] data = pattern(100_000);
      fixture.put("r/model.bin", data);
      RemoteObject object = object("r/model.bin");
      if (client.capabilities().contains(Capability.RANGED_READS) && object.rangedReads()) {
        assertThat(readAll(object, 1000, 5000)).isEqualTo(Arrays.copyOfRange(data, 1000, 6000));
        assertThat(readAll(object, 99_990, -1))
            .isEqualTo(Arrays.copyOfRange(data, 99_990, 100_000));
        assertThat(readAll(object, 0, 1)).containsExactly(data[0]);
      } else {
        assertThatThrownBy(() -> readAll(object, 1000, 5000))
            .isInstanceOfSatisfying(
                StorageException.class,
                e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.UNSUPPORTED));
      }
    }

    @Test
    void concurrentReadsOfOneObjectDoNotInterfere() throws Exception {
      byte[] data = pattern(256 * 1024);
      fixture.put("c/model.bin", data);
      RemoteObject object = object("c/model.bin");
      boolean ranged =
          client.capabilities().contains(Capability.RANGED_READS) && object.rangedReads();
      int parts = 8;
      int partSize = data.length / parts;
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<byte[]>> futures =
            IntStream.range(0, parts)
                .mapToObj(
                    i ->
                        pool.submit(
                            () ->
                                ranged
                                    ? readAll(object, (long) i * partSize, partSize)
                                    : readAll(object, 0, -1)))
                .toList();
        for (int i = 0; i < parts; i++) {
          byte[] expected =
              ranged ? Arrays.copyOfRange(data, i * partSize, (i + 1) * partSize) : data;
          assertThat(futures.get(i).get()).isEqualTo(expected);
        }
      } finally {
        pool.shutdownNow();
      }
    }

    @Test
    void manyObjectsReadInParallelMatchTheirListing() throws Exception {
      String[] names = new String[20];
      for (int i = 0; i < names.length; i++) {
        names[i] = "f" + i + ".txt";
        fixture.put("many/" + names[i], bytes("file-" + i));
      }
      List<RemoteObject> objects = listEach("many", names);
      assertThat(objects).hasSize(20);
      Map<String, byte[]> read =
          objects.parallelStream()
              .collect(Collectors.toConcurrentMap(RemoteObject::path, o -> readAll(o, 0, -1)));
      for (RemoteObject o : objects) {
        assertThat(new String(read.get(o.path()), StandardCharsets.UTF_8))
            .isEqualTo(o.path().replace("f", "file-").replace(".txt", ""));
      }
    }
  }

  @Nested
  @DisplayName("lifecycle")
  class Lifecycle {
    @Test
    void closeIsIdempotent() {
      client.close();
      client.close();
      client = null;
    }

    @Test
    void secretKeysAreDeclaredAsNames() {
      assertThat(provider().secretKeys()).allMatch(k -> !k.isBlank());
    }
  }
}
