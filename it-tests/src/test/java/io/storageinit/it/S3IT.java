package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.storageinit.s3.ResettingProxy;
import io.storageinit.s3.TestS3Server;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real command against a real S3 server (S3Proxy in this JVM, no Docker), with buckets seeded
 * by the MinIO client.
 */
class S3IT {
  static TestS3Server s3;

  @TempDir Path tmp;
  Path dest;
  String bucket;

  @BeforeAll
  static void start() throws Exception {
    s3 = TestS3Server.start(true);
  }

  @AfterAll
  static void stop() throws Exception {
    s3.close();
  }

  @BeforeEach
  void freshBucket() throws Exception {
    bucket = "models-" + UUID.randomUUID().toString().substring(0, 8);
    s3.bucket(bucket);
    dest = tmp.resolve("mnt/models");
  }

  static byte[] random(int size) {
    byte[] b = new byte[size];
    new Random(size).nextBytes(b);
    return b;
  }

  Cli.Result fetch(String key) throws Exception {
    return fetch(s3.environment(), key);
  }

  Cli.Result fetch(Map<String, String> env, String key) throws Exception {
    return Cli.run(env, "s3://" + bucket + "/" + key, dest.toString());
  }

  @Test
  void anObjectLandsUnderItsBaseName() throws Exception {
    byte[] data = random(300_000);
    s3.put(bucket, "models/iris/model.joblib", data);
    Cli.Result r = fetch("models/iris/model.joblib");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest)).containsExactly(Map.entry("model.joblib", "file 300000"));
    assertThat(Files.readAllBytes(dest.resolve("model.joblib"))).isEqualTo(data);
  }

  @Test
  void aPrefixLandsAsItsTreeAndEmptyObjectsAreKept() throws Exception {
    s3.put(bucket, "m/v1/config.json", "{}".getBytes());
    s3.put(bucket, "m/v1/weights/part-0.bin", random(1000));
    s3.put(bucket, "m/v1/weights/deep/part-1.bin", random(2000));
    s3.put(bucket, "m/v1/empty.txt", new byte[0]);
    s3.put(bucket, "m/v1/folder/", new byte[0]);
    Cli.Result r = fetch("m/v1");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest))
        .containsExactlyEntriesOf(
            new TreeMap<>(
                Map.of(
                    "config.json", "file 2",
                    "empty.txt", "file 0",
                    "weights", "dir",
                    "weights/part-0.bin", "file 1000",
                    "weights/deep", "dir",
                    "weights/deep/part-1.bin", "file 2000")));
  }

  @Test
  void keysWithSpacesPlusSignsAndUnicodeArriveUnderTheirNames() throws Exception {
    Map<String, String> keys = new TreeMap<>();
    for (String name :
        List.of(
            "a b.txt",
            "plus+sign.txt",
            "pct%20literal.txt",
            "ünïcødé/模型.bin",
            "sym~_-.'()!$,;=@.bin",
            "q?hash#amp&.bin")) {
      keys.put(name, "content of " + name);
      s3.put(bucket, "odd/" + name, keys.get(name).getBytes(StandardCharsets.UTF_8));
    }
    Cli.Result r = fetch("odd");
    assertThat(r.exitCode()).as(r.output()).isZero();
    for (Map.Entry<String, String> k : keys.entrySet()) {
      assertThat(dest.resolve(k.getKey())).hasContent(k.getValue());
    }
    Cli.Result one =
        Cli.run(
            s3.environment(),
            "s3://" + bucket + "/odd/plus+sign.txt",
            tmp.resolve("one").toString());
    assertThat(one.exitCode()).as(one.output()).isZero();
    assertThat(tmp.resolve("one/plus+sign.txt")).hasContent("content of plus+sign.txt");
  }

  @Test
  void theEnvironmentsProxyCarriesTheRequestsUnlessNoProxyNamesTheHost() throws Exception {
    s3.put(bucket, "p/model.bin", random(100_000));
    try (ResettingProxy proxy = new ResettingProxy(s3.port())) {
      Map<String, String> env = new HashMap<>(s3.environment());
      env.put("HTTP_PROXY", "http://127.0.0.1:" + proxy.port());
      Cli.Result r = fetch(env, "p");
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(dest.resolve("model.bin")).hasSize(100_000);
      assertThat(proxy.connections()).isPositive();

      int before = proxy.connections();
      env.put("NO_PROXY", "example.com,127.0.0.1");
      Cli.Result direct = Cli.run(env, "s3://" + bucket + "/p", tmp.resolve("direct").toString());
      assertThat(direct.exitCode()).as(direct.output()).isZero();
      assertThat(tmp.resolve("direct/model.bin")).hasSize(100_000);
      assertThat(proxy.connections()).isEqualTo(before);
    }
  }

  @Test
  void aRangedAnswerThatClaimsAnotherRangeIsRetriedThenAnIntegrityError() throws Exception {
    byte[] data = random(3 << 20);
    s3.put(bucket, "r/model.bin", data);
    try (ResettingProxy proxy = new ResettingProxy(s3.port())) {
      Map<String, String> env = new HashMap<>(s3.environment());
      env.put("HTTP_PROXY", "http://127.0.0.1:" + proxy.port());
      env.put("STORAGE_PART_SIZE", "256KiB");
      env.put("STORAGE_RETRY_INITIAL_DELAY_MS", "10");
      proxy.misreportRanges(2);
      Cli.Result r = fetch(env, "r");
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(r.output()).contains("with Content-Range");
      assertThat(java.nio.file.Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(data);

      proxy.misreportRanges(10_000);
      env.put("STORAGE_MAX_ATTEMPTS", "2");
      Path again = tmp.resolve("again");
      Cli.Result bad = Cli.run(env, "s3://" + bucket + "/r", again.toString());
      assertThat(bad.exitCode()).as(bad.output()).isEqualTo(6);
      assertThat(bad.output()).contains("with Content-Range 'bytes ");
      assertThat(again.resolve("model.bin")).doesNotExist();
    }
  }

  @Test
  void aRefusedKeyThatSortsFirstIsReportedAsRefusedNotAsNoModel() throws Exception {
    s3.put(bucket, "refused/a\\b.bin", "backslash".getBytes());
    s3.put(bucket, "refused/z.bin", "fine".getBytes());
    Cli.Result r = fetch("refused");
    assertThat(r.exitCode()).as(r.output()).isEqualTo(6);
    assertThat(r.output()).contains("Refusing object path 'a\\b.bin'").contains("backslash");
    assertThat(r.output()).doesNotContain("No model found");

    // The message's way out: leave such keys out, and the rest of the prefix downloads.
    Map<String, String> env = new HashMap<>(s3.environment());
    env.put("STORAGE_IGNORE_PATTERNS", "*\\*");
    Cli.Result rest = fetch(env, "refused");
    assertThat(rest.exitCode()).as(rest.output()).isZero();
    assertThat(Cli.tree(dest)).containsOnlyKeys("z.bin");
  }

  @Test
  void aKeyWithALineBreakCannotForgeALogLine() throws Exception {
    // The refusal names the key; the key's line break must not start a line of its own.
    String forged = "2026-01-01T00:00:00.000Z INFO Successfully copied s3://forged to /mnt/models";
    s3.put(bucket, "nl/a\\b\n" + forged, "x".getBytes());
    Cli.Result r = fetch("nl");
    assertThat(r.exitCode()).as(r.output()).isEqualTo(6);
    assertThat(r.output()).contains("Refusing object path 'a\\b");
    assertThat(r.output().lines()).noneMatch(line -> line.startsWith(forged));
    assertThat(r.output().lines())
        .allMatch(line -> line.startsWith("20") || line.startsWith("  | "), "every line is ours");
  }

  @Test
  void objectsNamedLikeTemporaryFilesLandAsThemselvesAndSpoilNothing() throws Exception {
    // The names earlier builds wrote x to while it downloaded: now plain names like any other.
    byte[] x = random(20_000_000);
    s3.put(bucket, "t/x", x);
    s3.put(bucket, "t/.x.partial", "eighteen bytes!!!!".getBytes());
    s3.put(bucket, "t/.x.partial.parts", "v1 size=1 part=1\n0\n".getBytes());
    s3.put(bucket, "t/sub/.storage-initializer-download", "a file, below the top".getBytes());
    Map<String, String> env = new java.util.HashMap<>(s3.environment());
    env.put("STORAGE_PART_SIZE", "1MiB");
    Cli.Result r = fetch(env, "t");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Files.readAllBytes(dest.resolve("x"))).isEqualTo(x);
    assertThat(dest.resolve(".x.partial")).hasContent("eighteen bytes!!!!");
    assertThat(dest.resolve(".x.partial.parts")).hasContent("v1 size=1 part=1\n0\n");
    assertThat(dest.resolve("sub/.storage-initializer-download"))
        .hasContent("a file, below the top");
    assertThat(Cli.tree(dest))
        .containsOnlyKeys(
            "x", ".x.partial", ".x.partial.parts", "sub", "sub/.storage-initializer-download");
  }

  @Test
  void anObjectAtTheNameOfOurWorkFolderIsRefused() throws Exception {
    s3.put(bucket, "w/.storage-initializer-download/0123.partial", "planted".getBytes());
    s3.put(bucket, "w/model.bin", "fine".getBytes());
    Cli.Result r = fetch("w");
    assertThat(r.exitCode()).as(r.output()).isEqualTo(6);
    assertThat(r.output())
        .contains("Refusing object path '.storage-initializer-download/0123.partial'")
        .contains("the initializer's own working folders");
    assertThat(dest.resolve("model.bin")).doesNotExist();
  }

  @Test
  void aCacheHitNeedsCredentialsThatMayReadEveryObjectNotJustListThem() throws Exception {
    byte[] weights = random(2 << 20);
    s3.put(bucket, "c/model.bin", weights);
    s3.put(bucket, "c/config.json", "{}".getBytes());
    try (ResettingProxy store = new ResettingProxy(s3.port())) {
      // Both pods reach the store through the same proxy, so they name the same cache entry;
      // the second pod's policy lets it list the prefix but not read the objects.
      Map<String, String> env = new HashMap<>(s3.environment());
      env.put("HTTP_PROXY", "http://127.0.0.1:" + store.port());
      env.put("STORAGE_CACHE_DIR", tmp.resolve("cache").toString());
      Cli.Result first = Cli.run(env, "s3://" + bucket + "/c", tmp.resolve("pod-a").toString());
      assertThat(first.exitCode()).as(first.output()).isZero();

      store.denyObjectReads(true);
      Path podB = tmp.resolve("pod-b");
      Cli.Result denied = Cli.run(env, "s3://" + bucket + "/c", podB.toString());
      assertThat(denied.exitCode()).as(denied.output()).isEqualTo(3);
      assertThat(denied.output()).contains("Access denied to");
      assertThat(store.denied()).isPositive();
      assertThat(Cli.tree(podB)).doesNotContainKeys("model.bin", "config.json");

      // With every pod on the node trusted, the operator may turn the check off.
      env.put("STORAGE_CACHE_ACCESS_CHECK", "none");
      Cli.Result trusted = Cli.run(env, "s3://" + bucket + "/c", podB.toString());
      assertThat(trusted.exitCode()).as(trusted.output()).isZero();
      assertThat(Files.readAllBytes(podB.resolve("model.bin"))).isEqualTo(weights);

      store.denyObjectReads(false);
      env.remove("STORAGE_CACHE_ACCESS_CHECK");
      Path podC = tmp.resolve("pod-c");
      Cli.Result allowed = Cli.run(env, "s3://" + bucket + "/c", podC.toString());
      assertThat(allowed.exitCode()).as(allowed.output()).isZero();
      assertThat(allowed.output()).contains("cache hit").contains("read each of the 2 objects");
      assertThat(Files.readAllBytes(podC.resolve("model.bin"))).isEqualTo(weights);
    }
  }

  @Test
  void aPrefixIsAFolderNotAStringPrefix() throws Exception {
    s3.put(bucket, "m/v1/a.bin", "one".getBytes());
    s3.put(bucket, "m/v10/b.bin", "ten".getBytes());
    Cli.Result r = fetch("m/v1");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest)).containsOnlyKeys("a.bin");
  }

  @Test
  void thousandsOfKeysArePagedThrough() throws Exception {
    int n = 2100;
    for (int i = 0; i < n; i++) {
      s3.put(bucket, String.format("many/f%05d.txt", i), ("file " + i).getBytes());
    }
    Cli.Result r = fetch("many");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest)).hasSize(n);
    assertThat(dest.resolve("many/f02099.txt")).doesNotExist();
    assertThat(dest.resolve("f02099.txt")).hasContent("file 2099");
  }

  @Test
  void aSingleArchiveUnderAPrefixIsUnpacked() throws Exception {
    Path tgz =
        TestArchives.tar(
            tmp.resolve("model.tar.gz"), Map.of("model/config.json", "{}", "model/w.bin", "0123"));
    s3.put(bucket, "packed/model.tar.gz", Files.readAllBytes(tgz));
    Cli.Result r = fetch("packed");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest)).containsOnlyKeys("model", "model/config.json", "model/w.bin");
  }

  @Test
  void aZipObjectIsUnpacked() throws Exception {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("saved_model.pb", "pb".getBytes());
    files.put("variables/variables.index", "idx".getBytes());
    s3.put(
        bucket, "z/model.zip", Files.readAllBytes(TestArchives.zip(tmp.resolve("m.zip"), files)));
    Cli.Result r = fetch("z/model.zip");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest))
        .containsOnlyKeys("saved_model.pb", "variables", "variables/variables.index");
  }

  @Test
  void aPublicBucketNeedsNoCredentials() throws Exception {
    s3.put(bucket, "public/model.bin", "open".getBytes());
    Cli.Result r =
        fetch(
            Map.of("AWS_ENDPOINT_URL", s3.anonymousEndpoint(), "awsAnonymousCredential", "true"),
            "public/model.bin");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(dest.resolve("model.bin")).hasContent("open");
  }

  @Test
  void aWrongSecretIsAnAccessErrorNamingTheKeyIdButNotTheSecret() throws Exception {
    s3.put(bucket, "m/model.bin", "x".getBytes());
    Map<String, String> env = new HashMap<>(s3.environment());
    env.put("AWS_SECRET_ACCESS_KEY", "not-the-right-secret-value");
    Cli.Result r = fetch(env, "m/model.bin");
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.output())
        .contains(TestS3Server.ACCESS_KEY)
        .doesNotContain("not-the-right-secret-value");
    assertThat(Cli.tree(dest)).isEmpty();
  }

  @Test
  void aMissingBucketIsNotFound() throws Exception {
    Cli.Result r = Cli.run(s3.environment(), "s3://no-such-bucket-here/m", dest.toString());
    assertThat(r.exitCode()).isEqualTo(4);
    assertThat(r.output()).contains("Bucket 'no-such-bucket-here' does not exist");
  }

  @Test
  void anEmptyPrefixHasNoModel() throws Exception {
    Cli.Result r = fetch("nothing/here");
    assertThat(r.exitCode()).isEqualTo(4);
    assertThat(r.output()).contains("No model found in s3://" + bucket + "/nothing/here");
  }

  @Test
  void storageConfigCarriesTheWholeConfiguration() throws Exception {
    s3.put(bucket, "sc/model.bin", "configured".getBytes());
    String config =
        "{\"type\":\"s3\",\"access_key_id\":\""
            + TestS3Server.ACCESS_KEY
            + "\",\"secret_access_key\":\""
            + TestS3Server.SECRET_KEY
            + "\",\"endpoint_url\":\""
            + s3.endpoint()
            + "\",\"region\":\"us-east-1\"}";
    Cli.Result r =
        fetch(Map.of("STORAGE_CONFIG", config, "STORAGE_LOG_LEVEL", "debug"), "sc/model.bin");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(dest.resolve("model.bin")).hasContent("configured");
    assertThat(r.output()).doesNotContain(TestS3Server.SECRET_KEY);
  }

  @Test
  void theKServeHostAndSchemeVariablesWork() throws Exception {
    s3.put(bucket, "hp/model.bin", "hostport".getBytes());
    Cli.Result r =
        fetch(
            Map.of(
                "AWS_ACCESS_KEY_ID",
                TestS3Server.ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY",
                TestS3Server.SECRET_KEY,
                "S3_ENDPOINT",
                "127.0.0.1:" + s3.port(),
                "S3_USE_HTTPS",
                "0"),
            "hp/model.bin");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(dest.resolve("model.bin")).hasContent("hostport");
  }

  @Test
  void filtersApplyToPrefixes() throws Exception {
    s3.put(bucket, "f/model.onnx", "w".getBytes());
    s3.put(bucket, "f/config.json", "{}".getBytes());
    s3.put(bucket, "f/optimizer.pt", "o".getBytes());
    Map<String, String> env = new HashMap<>(s3.environment());
    env.put("STORAGE_ALLOW_PATTERNS", "*.onnx,*.json");
    Cli.Result r = fetch(env, "f");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest)).containsOnlyKeys("model.onnx", "config.json");
  }

  @Test
  void connectionsCutMidTransferAreSurvived() throws Exception {
    byte[] data = random(6 * 1024 * 1024 + 3);
    s3.put(bucket, "big/model.bin", data);
    try (ResettingProxy proxy = new ResettingProxy(s3.port())) {
      proxy.cut(3, 400_000);
      Map<String, String> env = new HashMap<>(s3.environment());
      env.put("AWS_ENDPOINT_URL", "http://127.0.0.1:" + proxy.port());
      env.put("STORAGE_PART_SIZE", "1MiB");
      env.put("STORAGE_RETRY_INITIAL_DELAY_MS", "10");
      env.put("S3_MAX_ATTEMPTS", "1");
      Cli.Result r = fetch(env, "big/model.bin");
      assertThat(r.exitCode()).as(r.output()).isZero();
      // Which pooled connections carry enough bytes to be cut varies; at least one always is.
      assertThat(proxy.cuts()).as(r.output()).isBetween(1, 3);
      assertThat(r.output()).contains(proxy.cuts() + " retries");
      assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(data);
      assertThat(r.output()).contains("retrying");
    }
  }

  @Test
  void aChangedObjectIsFetchedAgainAndAnUnchangedOneIsNot() throws Exception {
    s3.put(bucket, "c/model.bin", "version one".getBytes(StandardCharsets.UTF_8));
    assertThat(fetch("c").exitCode()).isZero();
    Cli.Result same = fetch("c");
    assertThat(same.output()).contains("1 reused");
    s3.put(bucket, "c/model.bin", "version two!".getBytes(StandardCharsets.UTF_8));
    Cli.Result changed = fetch("c");
    assertThat(changed.exitCode()).as(changed.output()).isZero();
    assertThat(dest.resolve("model.bin")).hasContent("version two!");
  }
}
