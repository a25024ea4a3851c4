package io.storageinit.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.storageinit.api.Checksum;
import io.storageinit.api.RemoteObject;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import io.storageinit.runtime.TransferEngine.Planned;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TransferEngineTest {
  @TempDir Path dest;
  final List<Duration> sleeps = new CopyOnWriteArrayList<>();
  final TransferStats stats = new TransferStats();

  TransferEngine engine(int maxAttempts) {
    return new TransferEngine(
        4,
        64 * 1024,
        new Retrier(maxAttempts, Duration.ofMillis(100), Duration.ofSeconds(2), sleeps::add),
        stats);
  }

  static byte[] random(int size) {
    byte[] b = new byte[size];
    new Random(size).nextBytes(b);
    return b;
  }

  private static TransferEngine.Planned planned(long size) {
    return new TransferEngine.Planned(
        io.storageinit.api.RemoteObject.builder("mem://" + size, "f" + size).size(size).build(),
        Path.of("f" + size));
  }

  @Test
  void withoutAConfiguredSizeRangesGiveEveryStreamTwoAndStayBetween8And64MiB() {
    long mib = 1L << 20;
    // One 200 MiB file and 8 streams: 16 ranges of 13 MiB (rounded up to whole MiB).
    assertThat(TransferEngine.autoPartSize(List.of(planned(200 * mib)), 8)).isEqualTo(13 * mib);
    // Four 256 MiB shards: 64 MiB ranges, 16 requests instead of 64.
    assertThat(
            TransferEngine.autoPartSize(
                List.of(
                    planned(256 * mib), planned(256 * mib), planned(256 * mib), planned(256 * mib)),
                8))
        .isEqualTo(64 * mib);
    // Small files do not count; a small model keeps the smallest range.
    assertThat(TransferEngine.autoPartSize(List.of(planned(20 * mib), planned(4096)), 8))
        .isEqualTo(8 * mib);
    // Huge models are capped, and one stream needs no more than two ranges per file.
    assertThat(TransferEngine.autoPartSize(List.of(planned(40L << 30)), 8)).isEqualTo(64 * mib);
    assertThat(TransferEngine.autoPartSize(List.of(planned(48 * mib)), 1)).isEqualTo(24 * mib);
    // The same plan always gets the same size, so an interrupted run resumes its ranges.
    assertThat(TransferEngine.autoPartSize(List.of(planned(200 * mib)), 8))
        .isEqualTo(TransferEngine.autoPartSize(List.of(planned(200 * mib)), 8));
  }

  @Test
  void rangesOfLargeFilesTakeTurnsAndFilesFetchedWholeFollowInListingOrder() {
    List<String> order =
        TransferEngine.inTurns(
            List.of(
                List.of("config"),
                List.of("a0", "a1", "a2"),
                List.of("b0", "b1"),
                List.of("tokenizer"),
                List.of("c0", "c1", "c2", "c3")));
    assertThat(order)
        .containsExactly(
            "a0", "b0", "c0", "a1", "b1", "c1", "a2", "c2", "c3", "config", "tokenizer");
    assertThat(TransferEngine.inTurns(List.<List<String>>of(List.of(), List.of("x"))))
        .containsExactly("x");
  }

  @Test
  void severalLargeObjectsFetchedInTurnsEachLandWhole() throws Exception {
    FakeClient client = new FakeClient(true);
    List<Planned> plan = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      client.objects.put("shard-" + i, random(300_000 + i));
      plan.add(new Planned(client.object("shard-" + i), dest.resolve("shard-" + i)));
    }
    client.objects.put("small.json", random(100));
    plan.add(new Planned(client.object("small.json"), dest.resolve("small.json")));
    engine(4).fetch(client, dest, plan);
    for (int i = 0; i < 3; i++) {
      assertThat(Files.readAllBytes(dest.resolve("shard-" + i))).isEqualTo(random(300_000 + i));
    }
    assertThat(Files.readAllBytes(dest.resolve("small.json"))).isEqualTo(random(100));
    assertThat(Files.list(dest)).hasSize(4);
  }

  @ParameterizedTest(name = "streams that are channels: {0}")
  @ValueSource(booleans = {false, true})
  void largeObjectsAreFetchedInRangesAndLandWhole(boolean channels) throws Exception {
    FakeClient client = new FakeClient(true);
    client.channels = channels;
    byte[] data = random(1_000_000);
    client.objects.put("m.bin", data);
    engine(3)
        .fetch(client, dest, List.of(new Planned(client.object("m.bin"), dest.resolve("m.bin"))));
    assertThat(Files.readAllBytes(dest.resolve("m.bin"))).isEqualTo(data);
    assertThat(client.reads).hasSize(16).allMatch(r -> r[1] <= 64 * 1024);
    assertThat(Files.list(dest)).containsExactly(dest.resolve("m.bin"));
    assertThat(client.channelReads.get() > 0).isEqualTo(channels);
  }

  @Test
  void aSmallObjectRemovesThePartsFileOfAnEarlierRangedTry() throws Exception {
    FakeClient client = new FakeClient(true);
    byte[] data = random(1000);
    client.objects.put("m.bin", data);
    // What a ranged try of a larger version of m.bin left behind.
    WorkFolder work = new WorkFolder(dest);
    Files.createDirectories(dest.resolve(WorkFolder.NAME));
    Files.writeString(work.partsOf(dest.resolve("m.bin")), "v1 size=9999999 part=65536\n0\n");
    Files.write(work.partialOf(dest.resolve("m.bin")), random(70_000));
    engine(3)
        .fetch(client, dest, List.of(new Planned(client.object("m.bin"), dest.resolve("m.bin"))));
    assertThat(Files.readAllBytes(dest.resolve("m.bin"))).isEqualTo(data);
    assertThat(Files.list(dest)).containsExactly(dest.resolve("m.bin"));
  }

  @Test
  void whatAKilledRunLeftForAnObjectNoLongerListedGoesWithTheWorkFolderAfterASuccess()
      throws Exception {
    FakeClient client = new FakeClient(true);
    client.objects.put("m.bin", random(1000));
    WorkFolder work = new WorkFolder(dest);
    Files.createDirectories(dest.resolve(WorkFolder.NAME));
    // An object of an earlier listing, killed in mid-download: its data and its parts record.
    Files.writeString(work.partsOf(dest.resolve("gone.bin")), "v1 size=9999999 part=65536\n0\n");
    Files.write(work.partialOf(dest.resolve("gone.bin")), random(65_536));
    engine(3)
        .fetch(client, dest, List.of(new Planned(client.object("m.bin"), dest.resolve("m.bin"))));
    assertThat(Files.list(dest)).containsExactly(dest.resolve("m.bin"));
  }

  @Test
  void aFileAlreadyInPlaceWithTheStoresSizeAndTimeIsKeptAndOthersAreFetched() throws Exception {
    FakeClient client = new FakeClient(true);
    client.objects.put("same.bin", random(500));
    client.objects.put("stale.bin", random(600));
    client.objects.put("new/n.bin", random(700));
    java.time.Instant modified = java.time.Instant.parse("2024-05-01T12:00:00Z");
    Files.write(dest.resolve("same.bin"), random(500));
    Files.setLastModifiedTime(
        dest.resolve("same.bin"), java.nio.file.attribute.FileTime.from(modified));
    Files.write(dest.resolve("stale.bin"), random(10));
    List<Planned> plan =
        java.util.stream.Stream.of("same.bin", "stale.bin", "new/n.bin")
            .map(
                n ->
                    new Planned(
                        RemoteObject.builder(n, n)
                            .size(client.objects.get(n).length)
                            .lastModified(modified)
                            .build(),
                        dest.resolve(n)))
            .toList();
    engine(3).fetch(client, dest, plan);
    // The access time is set to the same, as rclone does (checked before a read moves it on).
    assertThat(
            Files.readAttributes(
                    dest.resolve("new/n.bin"), java.nio.file.attribute.BasicFileAttributes.class)
                .lastAccessTime()
                .toInstant())
        .isEqualTo(modified);
    assertThat(stats.filesReused.get()).isEqualTo(1);
    assertThat(client.reads).hasSize(2);
    assertThat(Files.readAllBytes(dest.resolve("stale.bin"))).isEqualTo(random(600));
    assertThat(Files.readAllBytes(dest.resolve("new/n.bin"))).isEqualTo(random(700));
    assertThat(Files.getLastModifiedTime(dest.resolve("new/n.bin")).toInstant())
        .isEqualTo(modified);
  }

  @Test
  void aStoresConcurrencyLimitBoundsTheOpenStreams() throws Exception {
    java.util.concurrent.atomic.AtomicInteger open =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger most =
        new java.util.concurrent.atomic.AtomicInteger();
    FakeClient client =
        new FakeClient(true) {
          @Override
          public java.util.OptionalInt concurrencyLimit() {
            return java.util.OptionalInt.of(2);
          }

          @Override
          public java.io.InputStream read(RemoteObject object, long offset, long length) {
            most.accumulateAndGet(open.incrementAndGet(), Math::max);
            try {
              // Hold the stream open long enough for the other workers to start theirs.
              Thread.sleep(5);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return new java.io.FilterInputStream(super.read(object, offset, length)) {
              @Override
              public void close() throws java.io.IOException {
                open.decrementAndGet();
                super.close();
              }
            };
          }
        };
    List<Planned> files = new java.util.ArrayList<>();
    for (int i = 0; i < 12; i++) {
      client.objects.put("f" + i, random(200_000 + i));
      files.add(new Planned(client.object("f" + i), dest.resolve("f" + i)));
    }
    engine(3).fetch(client, dest, files);
    for (int i = 0; i < 12; i++) {
      assertThat(dest.resolve("f" + i)).hasSize(200_000 + i);
    }
    // The engine runs 4 streams; the store asked for 2.
    assertThat(most.get()).isBetween(1, 2);
    assertThat(open.get()).isZero();
  }

  @Test
  void transientFailuresAreRetriedWithBackoff() throws Exception {
    FakeClient client = new FakeClient(true);
    byte[] data = random(10_000);
    client.objects.put("a/b.bin", data);
    client.failure = StorageException.transientFailure("503", null);
    client.failuresLeft.set(2);
    engine(3)
        .fetch(
            client, dest, List.of(new Planned(client.object("a/b.bin"), dest.resolve("a/b.bin"))));
    assertThat(Files.readAllBytes(dest.resolve("a/b.bin"))).isEqualTo(data);
    assertThat(stats.retries.get()).isEqualTo(2);
    assertThat(sleeps).hasSize(2);
    assertThat(sleeps.get(0)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
    assertThat(sleeps.get(1)).isBetween(Duration.ofMillis(100), Duration.ofMillis(200));
  }

  @Test
  void theServersRetryAfterIsHonoured() throws Exception {
    FakeClient client = new FakeClient(true);
    client.objects.put("m", random(10));
    client.failure = new StorageException(Kind.TRANSIENT, "429", null, Duration.ofSeconds(7));
    client.failuresLeft.set(1);
    engine(3).fetch(client, dest, List.of(new Planned(client.object("m"), dest.resolve("m"))));
    assertThat(sleeps).containsExactly(Duration.ofSeconds(7));
  }

  @ParameterizedTest(name = "streams that are channels: {0}")
  @ValueSource(booleans = {false, true})
  void aCutStreamResumesFromTheLastByteWritten(boolean channels) throws Exception {
    FakeClient client = new FakeClient(true);
    client.channels = channels;
    byte[] data = random(50_000);
    client.objects.put("m", data);
    client.cutsLeft.set(1);
    client.cutAfter = 20_000;
    engine(3).fetch(client, dest, List.of(new Planned(client.object("m"), dest.resolve("m"))));
    assertThat(Files.readAllBytes(dest.resolve("m"))).isEqualTo(data);
    assertThat(client.reads).hasSize(2);
    assertThat(client.reads.get(1)).containsExactly(20_000, 30_000);
  }

  @Test
  void withoutRangesACutStreamStartsOver() throws Exception {
    FakeClient client = new FakeClient(false);
    byte[] data = random(50_000);
    client.objects.put("m", data);
    client.cutsLeft.set(1);
    client.cutAfter = 20_000;
    engine(3).fetch(client, dest, List.of(new Planned(client.object("m"), dest.resolve("m"))));
    assertThat(Files.readAllBytes(dest.resolve("m"))).isEqualTo(data);
    assertThat(client.reads).allMatch(r -> r[0] == 0 && r[1] == -1);
  }

  @Test
  void permanentFailuresFailFastAndLeaveNoFile() {
    FakeClient client = new FakeClient(true);
    client.objects.put("m", random(10));
    client.failure = StorageException.notFound("gone");
    client.failuresLeft.set(100);
    assertThatThrownBy(
            () ->
                engine(5)
                    .fetch(
                        client, dest, List.of(new Planned(client.object("m"), dest.resolve("m")))))
        .isInstanceOfSatisfying(
            StorageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND));
    assertThat(client.reads).hasSize(1);
    assertThat(dest.resolve("m")).doesNotExist();
  }

  @Test
  void retriesAreBounded() {
    FakeClient client = new FakeClient(true);
    client.objects.put("m", random(10));
    client.failure = StorageException.transientFailure("reset", null);
    client.failuresLeft.set(100);
    assertThatThrownBy(
            () ->
                engine(4)
                    .fetch(
                        client, dest, List.of(new Planned(client.object("m"), dest.resolve("m")))))
        .isInstanceOfSatisfying(
            StorageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.TRANSIENT))
        .hasMessageContaining("after 4 attempts");
    assertThat(dest.resolve("m")).doesNotExist();
  }

  static String sha256(byte[] data) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
  }

  /**
   * The checksum grows as bytes arrive (inline for one stream, range by range otherwise): it must
   * come out right however they arrive — ranges in any order, resumed after cuts, a stream that
   * cannot resume starting over — and a wrong one must still be caught.
   */
  @Test
  void checksumsHoldHoweverTheBytesArrive() throws Exception {
    byte[] data = random(1_000_003);
    String right = sha256(data);
    String wrong = sha256(random(17));
    for (boolean ranged : new boolean[] {true, false}) {
      for (boolean channels : new boolean[] {true, false}) {
        for (int cuts : new int[] {0, 3}) {
          FakeClient client = new FakeClient(ranged);
          client.channels = channels;
          client.objects.put("m", data);
          client.cutsLeft.set(cuts);
          client.cutAfter = 40_000;
          String what = "ranged=" + ranged + " channels=" + channels + " cuts=" + cuts;
          Path out = dest.resolve(what.replace(' ', '_').replace('=', '-'));
          RemoteObject good =
              RemoteObject.builder("m", "m")
                  .size(data.length)
                  .checksum(Checksum.of(Checksum.Algorithm.SHA256, right))
                  .build();
          engine(10).fetch(client, out, List.of(new Planned(good, out.resolve("m"))));
          assertThat(Files.readAllBytes(out.resolve("m"))).as(what).isEqualTo(data);

          client.cutsLeft.set(cuts);
          Path bad = dest.resolve("bad-" + out.getFileName());
          RemoteObject lying =
              RemoteObject.builder("m", "m")
                  .size(data.length)
                  .checksum(Checksum.of(Checksum.Algorithm.SHA256, wrong))
                  .build();
          assertThatThrownBy(
                  () ->
                      engine(10).fetch(client, bad, List.of(new Planned(lying, bad.resolve("m")))))
              .as(what)
              .isInstanceOfSatisfying(
                  StorageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INTEGRITY));
          assertThat(bad.resolve("m")).doesNotExist();
        }
      }
    }
  }

  @Test
  void aChecksumMismatchKeepsNothingUnderTheFinalName() {
    FakeClient client = new FakeClient(true);
    client.objects.put("m", random(1000));
    RemoteObject lying =
        RemoteObject.builder("m", "m")
            .size(1000)
            .checksum(Checksum.of(Checksum.Algorithm.SHA256, "00ff"))
            .build();
    assertThatThrownBy(
            () -> engine(3).fetch(client, dest, List.of(new Planned(lying, dest.resolve("m")))))
        .isInstanceOfSatisfying(
            StorageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INTEGRITY))
        .hasMessageContaining("SHA256");
    assertThat(dest.resolve("m")).doesNotExist();
    assertThat(new WorkFolder(dest).partialOf(dest.resolve("m"))).doesNotExist();
    // Nothing to resume: no empty work folder is left in DEST either.
    assertThat(dest.resolve(WorkFolder.NAME)).doesNotExist();
  }

  @Test
  void theProvidersOwnCheckSeesTheWholeFileAndItsRefusalKeepsNothing() {
    byte[] data = random(100_000);
    List<byte[]> seen = new java.util.ArrayList<>();
    FakeClient client =
        new FakeClient(true) {
          @Override
          public void verify(RemoteObject object, java.nio.file.Path file) {
            try {
              seen.add(java.nio.file.Files.readAllBytes(file));
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
            throw new StorageException(Kind.INTEGRITY, "store checksum differs");
          }
        };
    client.objects.put("m", data);
    assertThatThrownBy(
            () ->
                engine(3)
                    .fetch(
                        client, dest, List.of(new Planned(client.object("m"), dest.resolve("m")))))
        .isInstanceOfSatisfying(
            StorageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INTEGRITY))
        .hasMessageContaining("store checksum differs");
    assertThat(seen).singleElement().isEqualTo(data);
    assertThat(dest.resolve("m")).doesNotExist();
    assertThat(new WorkFolder(dest).partialOf(dest.resolve("m"))).doesNotExist();
  }

  @ParameterizedTest(name = "streams that are channels: {0}")
  @ValueSource(booleans = {false, true})
  void anObjectLargerThanListedIsRefused(boolean channels) {
    FakeClient client = new FakeClient(true);
    client.channels = channels;
    client.objects.put("m", random(1000));
    RemoteObject shortListed = RemoteObject.builder("m", "m").size(900).build();
    assertThatThrownBy(
            () ->
                engine(3).fetch(client, dest, List.of(new Planned(shortListed, dest.resolve("m")))))
        .isInstanceOfSatisfying(
            StorageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INTEGRITY));
    assertThat(dest.resolve("m")).doesNotExist();
  }

  @Test
  void pathsThatClimbOutOrCollideAreRefusedBeforeAnyTransfer() {
    for (String bad : List.of("../evil", "a/../../evil", "/abs", "a//b", "", "a/./b")) {
      assertThatThrownBy(
              () -> StorageInitializer.plan(List.of(RemoteObject.builder(bad, bad).build()), dest))
          .as(bad)
          .isInstanceOfSatisfying(
              StorageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INTEGRITY));
    }
    assertThatThrownBy(
            () ->
                StorageInitializer.plan(
                    List.of(
                        RemoteObject.builder("a", "a").build(),
                        RemoteObject.builder("a/b", "a/b").build()),
                    dest))
        .hasMessageContaining("both a file and a folder");
  }

  @Test
  void collisionsAreFoundAcrossBatchesWhicheverComesFirst() {
    RemoteObject file = RemoteObject.builder("a", "a").build();
    RemoteObject inFolder = RemoteObject.builder("a/b", "a/b").build();
    StorageInitializer.Planner fileFirst = new StorageInitializer.Planner(dest);
    fileFirst.add(List.of(file));
    assertThatThrownBy(() -> fileFirst.add(List.of(inFolder)))
        .hasMessageContaining("'a' is both a file and a folder");
    StorageInitializer.Planner folderFirst = new StorageInitializer.Planner(dest);
    folderFirst.add(List.of(inFolder));
    assertThatThrownBy(() -> folderFirst.add(List.of(file)))
        .hasMessageContaining("'a' is both a file and a folder");
    StorageInitializer.Planner twice = new StorageInitializer.Planner(dest);
    twice.add(List.of(inFolder));
    assertThatThrownBy(() -> twice.add(List.of(inFolder)))
        .hasMessageContaining("Two objects map to the same file 'a/b'");
    assertThat(twice.count()).isEqualTo(1);
    assertThat(twice.first()).map(Planned::target).contains(dest.resolve("a/b"));
  }

  @Test
  void aListingThatRunsAheadOfTheTransfersWaitsInsteadOfPilingUpWork() throws Exception {
    java.util.concurrent.CountDownLatch open = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger started =
        new java.util.concurrent.atomic.AtomicInteger();
    FakeClient client =
        new FakeClient(true) {
          @Override
          public java.io.InputStream read(RemoteObject object, long offset, long length) {
            started.incrementAndGet();
            try {
              open.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return super.read(object, offset, length);
          }
        };
    int n = TransferEngine.MAX_PENDING + 500;
    List<Planned> files = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      String name = "f" + i;
      client.objects.put(name, new byte[] {(byte) i});
      files.add(new Planned(client.object(name), dest.resolve(name)));
    }
    try (TransferEngine.Session session = engine(2).open(client, dest)) {
      Thread listing =
          new Thread(
              () -> {
                for (Planned p : files) {
                  session.submit(List.of(p));
                }
              });
      listing.start();
      listing.join(2000);
      assertThat(listing.isAlive()).as("the listing waits for room").isTrue();
      open.countDown();
      listing.join(60_000);
      assertThat(listing.isAlive()).isFalse();
      session.await();
    }
    assertThat(stats.filesDone.get()).isEqualTo(n);
    assertThat(Files.readAllBytes(dest.resolve("f" + (n - 1)))).containsExactly((byte) (n - 1));
  }

  @Test
  void aSessionFetchesBatchesHandedOverWhileItRuns() throws Exception {
    FakeClient client = new FakeClient(true);
    client.objects.put("one.bin", random(100_000));
    client.objects.put("two/t.bin", random(300));
    try (TransferEngine.Session session = engine(3).open(client, dest)) {
      session.submit(List.of(new Planned(client.object("one.bin"), dest.resolve("one.bin"))));
      session.submit(List.of(new Planned(client.object("two/t.bin"), dest.resolve("two/t.bin"))));
      session.await();
    }
    assertThat(Files.readAllBytes(dest.resolve("one.bin"))).isEqualTo(random(100_000));
    assertThat(Files.readAllBytes(dest.resolve("two/t.bin"))).isEqualTo(random(300));
    assertThat(stats.filesDone.get()).isEqualTo(2);
  }

  @Test
  void aProblemFoundWhilePlanningFailsTheSessionAndLaterBatchesAreNotStarted() {
    FakeClient client = new FakeClient(true);
    client.objects.put("late.bin", random(10));
    StorageException planning = new StorageException(Kind.INTEGRITY, "bad path on page 2");
    try (TransferEngine.Session session = engine(3).open(client, dest)) {
      session.fail(planning);
      session.submit(List.of(new Planned(client.object("late.bin"), dest.resolve("late.bin"))));
      assertThatThrownBy(session::await).isSameAs(planning);
    }
    assertThat(client.reads).isEmpty();
    assertThat(dest.resolve("late.bin")).doesNotExist();
  }

  @Test
  void backoffGrowsAndIsCapped() {
    Retrier r = new Retrier(10, Duration.ofMillis(100), Duration.ofSeconds(1), d -> {});
    assertThat(r.delay(1, null)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
    assertThat(r.delay(3, null)).isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
    assertThat(r.delay(20, null)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
    assertThat(r.delay(1, Duration.ofHours(1))).isEqualTo(Retrier.MAX_SERVER_DELAY);
  }
}
