package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.storageinit.http.TestHttpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The node cache: one download for many initializers, never stale, crash-safe, bounded. */
class CacheIT extends HttpServerFixture {
  Path cache;

  @BeforeEach
  void cacheFolder() {
    cache = tmp.resolve("cache");
  }

  byte[] publish(String name, int size, long seed) throws Exception {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    Files.write(www.resolve(name), data);
    return data;
  }

  Map<String, String> env() {
    return Map.of("STORAGE_CACHE_DIR", cache.toString(), "STORAGE_PART_SIZE", "1MiB");
  }

  static String output(Process p) throws Exception {
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  @Test
  void concurrentInitializersDownloadOnceAndEndWithIdenticalTrees() throws Exception {
    byte[] data = publish("model.bin", 6 * 1024 * 1024, 1);
    server.throttle(6 * 1024 * 1024);
    Process a = Cli.start(env(), server.url("model.bin"), tmp.resolve("pod-a").toString());
    Process b = Cli.start(env(), server.url("model.bin"), tmp.resolve("pod-b").toString());
    String outA = output(a);
    String outB = output(b);
    assertThat(a.exitValue()).as(outA).isZero();
    assertThat(b.exitValue()).as(outB).isZero();
    assertThat(Files.readAllBytes(tmp.resolve("pod-a/model.bin"))).isEqualTo(data);
    assertThat(Files.readAllBytes(tmp.resolve("pod-b/model.bin"))).isEqualTo(data);
    // The body went over the wire once; each initializer's one-byte probe aside, and the byte the
    // pod that hit read to show it may read the object.
    assertThat(server.bodyBytesSent()).isEqualTo(data.length + 3L);
    assertThat(outA + outB)
        .contains("cache 1 hit(s) 0 miss(es)")
        .contains("cache 0 hit(s) 1 miss(es)");
  }

  @Test
  void aCachedModelIsLinkedWithoutTransferAndAChangedOneIsFetchedAgain() throws Exception {
    publish("model.bin", 2 * 1024 * 1024, 1);
    assertThat(Cli.run(env(), server.url("model.bin"), tmp.resolve("first").toString()).exitCode())
        .isZero();
    long sent = server.bodyBytesSent();

    Cli.Result hit = Cli.run(env(), server.url("model.bin"), tmp.resolve("second").toString());
    assertThat(hit.exitCode()).as(hit.output()).isZero();
    assertThat(hit.output()).contains("cache hit");
    // The listing's probe and the access check: a byte each.
    assertThat(server.bodyBytesSent() - sent).isEqualTo(2);
    assertThat(Files.isSameFile(tmp.resolve("first/model.bin"), tmp.resolve("second/model.bin")))
        .isTrue();

    byte[] changed = publish("model.bin", 2 * 1024 * 1024, 2);
    Files.setLastModifiedTime(
        www.resolve("model.bin"), FileTime.from(Instant.now().plusSeconds(60)));
    Cli.Result miss = Cli.run(env(), server.url("model.bin"), tmp.resolve("third").toString());
    assertThat(miss.exitCode()).as(miss.output()).isZero();
    assertThat(miss.output()).contains("cache 0 hit(s) 1 miss(es)");
    assertThat(Files.readAllBytes(tmp.resolve("third/model.bin"))).isEqualTo(changed);
  }

  @Test
  void aPodThatSendsTheUriThroughItsOwnProxyCannotPlantBytesForTheOthers() throws Exception {
    byte[] real = publish("model.bin", 1 << 20, 1);
    FileTime modified = Files.getLastModifiedTime(www.resolve("model.bin"));
    // The attacker's server answers for the same URL with other bytes of the same size, time and
    // so ETag: a cache keyed by the URI and the listing alone takes them for the real ones.
    Path fake = Files.createDirectories(tmp.resolve("attacker"));
    byte[] planted = new byte[real.length];
    new Random(99).nextBytes(planted);
    Files.write(fake.resolve("model.bin"), planted);
    Files.setLastModifiedTime(fake.resolve("model.bin"), modified);
    try (TestHttpServer attacker = TestHttpServer.start(fake)) {
      Map<String, String> viaProxy = new java.util.HashMap<>(env());
      viaProxy.put("HTTP_PROXY", "http://127.0.0.1:" + attacker.port());
      Cli.Result a = Cli.run(viaProxy, server.url("model.bin"), tmp.resolve("pod-a").toString());
      assertThat(a.exitCode()).as(a.output()).isZero();
      assertThat(Files.readAllBytes(tmp.resolve("pod-a/model.bin")))
          .as("the proxy answered the attacker's pod")
          .isEqualTo(planted);
    }
    Cli.Result b = Cli.run(env(), server.url("model.bin"), tmp.resolve("pod-b").toString());
    assertThat(b.exitCode()).as(b.output()).isZero();
    assertThat(b.output()).contains("cache 0 hit(s) 1 miss(es)");
    assertThat(Files.readAllBytes(tmp.resolve("pod-b/model.bin"))).isEqualTo(real);
  }

  @Test
  void aKilledWriterLeavesNothingServedAndTheNextOneFinishes() throws Exception {
    byte[] data = publish("model.bin", 8 * 1024 * 1024, 3);
    server.throttle(2 * 1024 * 1024);
    Process p = Cli.start(env(), server.url("model.bin"), tmp.resolve("pod").toString());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (server.bodyBytesSent() < 2 * 1024 * 1024 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    p.destroyForcibly().waitFor();
    try (Stream<Path> entries = Files.list(cache.resolve("entries"))) {
      assertThat(entries).isEmpty();
    }
    server.throttle(0);
    Cli.Result r = Cli.run(env(), server.url("model.bin"), tmp.resolve("pod").toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Files.readAllBytes(tmp.resolve("pod/model.bin"))).isEqualTo(data);
  }

  @Test
  void theCacheIsBoundedEvictingTheLeastRecentlyUsed() throws Exception {
    publish("a.bin", 1024 * 1024, 1);
    publish("b.bin", 1024 * 1024, 2);
    Map<String, String> env =
        Map.of("STORAGE_CACHE_DIR", cache.toString(), "STORAGE_CACHE_MAX_BYTES", "1500KiB");
    assertThat(Cli.run(env, server.url("a.bin"), tmp.resolve("a").toString()).exitCode()).isZero();
    Cli.Result r = Cli.run(env, server.url("b.bin"), tmp.resolve("b").toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains("cache: evicted");
    try (Stream<Path> entries = Files.list(cache.resolve("entries"))) {
      assertThat(entries).hasSize(1);
    }
    // The pod that used the evicted entry keeps its files: they were hard links.
    assertThat(tmp.resolve("a/a.bin")).hasSize(1024 * 1024);
  }
}
