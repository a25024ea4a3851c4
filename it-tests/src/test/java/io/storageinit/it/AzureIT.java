package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.storageinit.azure.Azurite;
import io.storageinit.azure.FileShareServer;
import io.storageinit.s3.ResettingProxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real command against Azurite (Blob) and the project's File share server: KServe's URL grammar
 * and trees, SharedKey, SAS in the URL and in AZURE_STORAGE_ACCESS_KEY, expired SAS, wrong keys,
 * anonymous reads, pages, archives, cut connections and objects replaced mid-download.
 */
class AzureIT {
  static Azurite azurite;

  @TempDir Path tmp;
  String container;
  Path dest;

  @BeforeAll
  static void startAzurite() throws Exception {
    assumeTrue(Azurite.installed(), Azurite.NOT_INSTALLED);
    azurite = Azurite.start();
  }

  @AfterAll
  static void stopAzurite() {
    if (azurite != null) {
      azurite.close();
    }
  }

  @BeforeEach
  void container() {
    container = "it-" + UUID.randomUUID().toString().substring(0, 8);
    azurite.createContainer(container, null);
    dest = tmp.resolve("mnt/models");
  }

  Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>();
    env.put("AZURE_BLOB_ENDPOINT", azurite.endpoint());
    env.put("AZURE_STORAGE_ACCESS_KEY", Azurite.KEY);
    env.put("STORAGE_VALIDATORS", "none");
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  void put(String name, byte[] data) {
    azurite.put(container, name, data);
  }

  void put(String name, String text) {
    put(name, text.getBytes(StandardCharsets.UTF_8));
  }

  String uri(String path) {
    return Azurite.uri(container, path);
  }

  @Test
  void aFolderLandsWithoutSiblingsOrZeroByteBlobsAndABlobByItsBaseName() throws Exception {
    byte[] weights = random(3 * 1024 * 1024 + 5, 1);
    put("models/v1/config.json", "{}");
    put("models/v1/sub/weights.bin", weights);
    put("models/v1/empty.txt", new byte[0]);
    put("models/v10/leak.bin", "sibling");
    put("models/v1.sha256", "sibling");
    Cli.Result r = Cli.run(env("STORAGE_PART_SIZE", "1MiB"), uri("models/v1"), dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    // As KServe: zero-byte blobs are left out (folders of hierarchical accounts).
    assertThat(Cli.tree(dest)).containsOnlyKeys("config.json", "sub", "sub/weights.bin");
    assertThat(Files.readAllBytes(dest.resolve("sub/weights.bin"))).isEqualTo(weights);
    assertThat(r.output()).doesNotContain(Azurite.KEY);

    Path one = tmp.resolve("one");
    Cli.Result single = Cli.run(env(), uri("models/v1/sub/weights.bin"), one.toString());
    assertThat(single.exitCode()).as(single.output()).isZero();
    assertThat(Cli.tree(one)).containsOnlyKeys("weights.bin");

    Path root = tmp.resolve("root");
    Cli.Result all = Cli.run(env(), uri(""), root.toString());
    assertThat(all.exitCode()).as(all.output()).isZero();
    assertThat(Cli.tree(root))
        .containsKeys("models/v1/config.json", "models/v10/leak.bin", "models/v1.sha256");
  }

  @Test
  void aSasInTheUrlOrInTheKeyVariableReadsAndAnExpiredOneIsRefused() throws Exception {
    put("m/model.bin", "weights");
    String sas = Azurite.accountSas("rl", Instant.now().plusSeconds(3600));
    Map<String, String> noKey = env();
    noKey.remove("AZURE_STORAGE_ACCESS_KEY");
    Cli.Result inUrl = Cli.run(noKey, uri("m") + "?" + sas, dest.toString());
    assertThat(inUrl.exitCode()).as(inUrl.output()).isZero();
    assertThat(dest.resolve("model.bin")).hasContent("weights");
    assertThat(inUrl.output()).doesNotContain(sas.substring(sas.indexOf("sig=")));

    Path viaVariable = tmp.resolve("variable");
    Cli.Result inVariable =
        Cli.run(env("AZURE_STORAGE_ACCESS_KEY", "?" + sas), uri("m"), viaVariable.toString());
    assertThat(inVariable.exitCode()).as(inVariable.output()).isZero();
    assertThat(viaVariable.resolve("model.bin")).hasContent("weights");

    String expired = Azurite.accountSas("rl", Instant.now().minusSeconds(60));
    Path refused = tmp.resolve("refused");
    Cli.Result old = Cli.run(noKey, uri("m") + "?" + expired, refused.toString());
    assertThat(old.exitCode()).as(old.output()).isEqualTo(3);
    assertThat(old.output())
        .contains("the service refused the SAS in the URL")
        .doesNotContain(expired.substring(expired.indexOf("sig=") + 4));
    assertThat(Cli.tree(refused)).isEmpty();
  }

  @Test
  void aWrongKeyIsExitThreeAndAnonymousReadsOnlyPublicContainers() throws Exception {
    put("m/model.bin", "weights");
    byte[] wrong = random(64, 2);
    String wrongKey = java.util.Base64.getEncoder().encodeToString(wrong);
    Cli.Result r = Cli.run(env("AZURE_STORAGE_ACCESS_KEY", wrongKey), uri("m"), dest.toString());
    assertThat(r.exitCode()).as(r.output()).isEqualTo(3);
    assertThat(r.output())
        .contains("the service refused the account key in AZURE_STORAGE_ACCESS_KEY")
        .doesNotContain(wrongKey);
    assertThat(Cli.tree(dest)).isEmpty();

    Map<String, String> anonymous = env();
    anonymous.remove("AZURE_STORAGE_ACCESS_KEY");
    Cli.Result privately = Cli.run(anonymous, uri("m"), tmp.resolve("p").toString());
    assertThat(privately.exitCode()).as(privately.output()).isIn(3, 4);
    assertThat(privately.output()).contains("anonymous");

    String open = "pub-" + UUID.randomUUID().toString().substring(0, 8);
    azurite.createContainer(open, "container");
    azurite.put(open, "m/model.bin", "public weights".getBytes(StandardCharsets.UTF_8));
    Path pub = tmp.resolve("pub");
    Cli.Result publicly = Cli.run(anonymous, Azurite.uri(open, "m"), pub.toString());
    assertThat(publicly.exitCode()).as(publicly.output()).isZero();
    assertThat(pub.resolve("model.bin")).hasContent("public weights");
  }

  @Test
  void aMissingContainerIsExitFourAndAUrlWithoutAPathIsExitTwo() throws Exception {
    Cli.Result missing = Cli.run(env(), Azurite.uri("no-such-container", "m"), dest.toString());
    assertThat(missing.exitCode()).as(missing.output()).isEqualTo(4);
    assertThat(missing.output()).contains("no container no-such-container");
    Cli.Result nothing = Cli.run(env(), uri("nothing/here"), dest.toString());
    assertThat(nothing.exitCode()).as(nothing.output()).isEqualTo(4);
    Cli.Result bare =
        Cli.run(
            env(),
            "https://" + Azurite.ACCOUNT + ".blob.core.windows.net/" + container,
            dest.toString());
    assertThat(bare.exitCode()).as(bare.output()).isEqualTo(2);
    assertThat(bare.output()).contains("names no container path");
  }

  @Test
  void twoThousandBlobsArriveOverFivePagesAndArchivesAreUnpacked() throws Exception {
    int n = 2100;
    ExecutorService seeders = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> seeded = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) {
        String name = String.format("many/f%05d.txt", i);
        byte[] body = ("file " + i).getBytes(StandardCharsets.UTF_8);
        seeded.add(seeders.submit(() -> put(name, body)));
      }
      for (Future<?> f : seeded) {
        f.get();
      }
    } finally {
      seeders.shutdown();
    }
    Cli.Result r = Cli.run(env("AZURE_LIST_PAGE_SIZE", "500"), uri("many"), dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest)).hasSize(n);
    assertThat(dest.resolve("f02099.txt")).hasContent("file 2099");

    Map<String, String> files = Map.of("model/config.json", "{}", "model/w.bin", "0123");
    put("packed/m.tar.gz", Files.readAllBytes(TestArchives.tar(tmp.resolve("m.tar.gz"), files)));
    Map<String, byte[]> zipped = new LinkedHashMap<>();
    zipped.put("model/config.json", "{}".getBytes());
    put("zipped/m.zip", Files.readAllBytes(TestArchives.zip(tmp.resolve("m.zip"), zipped)));
    Path tgz = tmp.resolve("tgz");
    assertThat(Cli.run(env(), uri("packed"), tgz.toString()).exitCode()).isZero();
    assertThat(Cli.tree(tgz)).containsOnlyKeys("model", "model/config.json", "model/w.bin");
    Path zip = tmp.resolve("zip");
    assertThat(Cli.run(env(), uri("zipped/m.zip"), zip.toString()).exitCode()).isZero();
    assertThat(Cli.tree(zip)).containsOnlyKeys("model", "model/config.json");
  }

  @Test
  void connectionsCutMidTransferAreResumedByteForByte() throws Exception {
    byte[] data = random(6 * 1024 * 1024 + 3, 9);
    put("big/model.bin", data);
    try (ResettingProxy proxy = new ResettingProxy(azurite.port())) {
      proxy.cut(3, 400_000);
      Cli.Result r =
          Cli.run(
              env(
                  "AZURE_BLOB_ENDPOINT",
                  "http://127.0.0.1:" + proxy.port() + "/{account}",
                  "STORAGE_PART_SIZE",
                  "1MiB",
                  "STORAGE_RETRY_INITIAL_DELAY_MS",
                  "10"),
              uri("big"),
              dest.toString());
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(proxy.cuts()).as(r.output()).isBetween(1, 3);
      assertThat(r.output()).contains("retrying");
      assertThat(Files.readAllBytes(dest.resolve("model.bin"))).isEqualTo(data);
    }
  }

  @Test
  void aBlobReplacedMidDownloadIsRefusedNotStitched() throws Exception {
    put("moving/model.bin", random(4 * 1024 * 1024, 11));
    try (ForwardingFront front =
        new ForwardingFront("http://127.0.0.1:" + azurite.port())
            .beforeSecondRead(
                "/moving/model.bin", () -> put("moving/model.bin", random(4 * 1024 * 1024, 12)))) {
      Cli.Result r =
          Cli.run(
              env(
                  "AZURE_BLOB_ENDPOINT",
                  front.endpoint() + "/{account}",
                  "STORAGE_PART_SIZE",
                  "1MiB",
                  "STORAGE_CONCURRENCY",
                  "1"),
              uri("moving"),
              dest.toString());
      assertThat(r.exitCode()).as(r.output()).isEqualTo(6);
      assertThat(r.output()).contains("changed or vanished in the store during the transfer");
      assertThat(dest.resolve("model.bin")).doesNotExist();
    }
  }

  @Test
  void azureAdWithASecretAFederatedTokenACertificateOrAManagedIdentityGetsATokenTheStoreTakes()
      throws Exception {
    TestCertificates certs = TestCertificates.create(tmp);
    Path ca = Files.createDirectories(tmp.resolve("custom-certs"));
    Files.copy(certs.pem(), ca.resolve("cabundle.crt"));
    String tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    String client = "0d5e4b4e-3c4f-4a5b-9d2e-1f2a3b4c5d6e";
    String secret = "aad-s3cret-" + UUID.randomUUID();
    String federated = "eyJhbGciOiJSUzI1NiJ9.federated-" + UUID.randomUUID() + ".sig";
    Path tokenFile = Files.writeString(tmp.resolve("azure-identity-token"), federated);
    try (Azurite secure =
            Azurite.startHttps(certs.keystore(), certs.password(), certs.trustContext());
        AzureAdServer aad = new AzureAdServer(certs, tenant, client, secret, federated)) {
      secure.createContainer(container, null);
      secure.put(
          container, "m/model.bin", "weights for an identity".getBytes(StandardCharsets.UTF_8));
      Map<String, String> env = new HashMap<>();
      env.put("STORAGE_VALIDATORS", "none");
      env.put("AZURE_BLOB_ENDPOINT", secure.endpoint());
      env.put("AZURE_AUTHORITY_HOST", aad.authorityHost());
      env.put("CA_BUNDLE_CONFIGMAP_NAME", "custom-certs");
      env.put("CA_BUNDLE_VOLUME_MOUNT_POINT", ca.toString());
      // KServe's legacy names, as its webhook still sets them.
      env.put("AZ_CLIENT_ID", client);
      env.put("AZ_TENANT_ID", tenant);
      env.put("AZ_CLIENT_SECRET", secret);
      Cli.Result r = Cli.run(env, uri("m"), dest.toString());
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(dest.resolve("model.bin")).hasContent("weights for an identity");
      assertThat(aad.grants).contains("client_secret").noneMatch(g -> g.startsWith("refused"));
      assertThat(r.output()).doesNotContain(secret).doesNotContain(aad.accessTokens.get(0));

      // Workload identity: the federated token from the file the pod's service account gets.
      env.remove("AZ_CLIENT_SECRET");
      env.put("AZURE_FEDERATED_TOKEN_FILE", tokenFile.toString());
      Path wi = tmp.resolve("wi");
      Cli.Result federatedRun = Cli.run(env, uri("m"), wi.toString());
      assertThat(federatedRun.exitCode()).as(federatedRun.output()).isZero();
      assertThat(aad.grants).contains("federated");
      assertThat(wi.resolve("model.bin")).hasContent("weights for an identity");

      // A client certificate (its key signs the assertion), PEM with the key, as the portal gives
      // it.
      TestCertificates.Client app = certs.client(tmp, "model-reader-app");
      Path pem = tmp.resolve("app.pem");
      Files.writeString(pem, Files.readString(app.key()) + Files.readString(app.certificate()));
      try (var in = Files.newInputStream(app.certificate())) {
        aad.certificate =
            (java.security.cert.X509Certificate)
                java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
      }
      env.remove("AZURE_FEDERATED_TOKEN_FILE");
      env.put("AZURE_CLIENT_CERTIFICATE_PATH", pem.toString());
      Path cert = tmp.resolve("cert");
      Cli.Result certificateRun = Cli.run(env, uri("m"), cert.toString());
      assertThat(certificateRun.exitCode()).as(certificateRun.output() + aad.grants).isZero();
      assertThat(aad.grants).contains("certificate");
      assertThat(cert.resolve("model.bin")).hasContent("weights for an identity");

      // The managed identity of AZURE_CLIENT_ID, from App Service's endpoint.
      env.remove("AZURE_CLIENT_CERTIFICATE_PATH");
      env.remove("AZ_TENANT_ID");
      env.put("IDENTITY_ENDPOINT", aad.identityEndpoint());
      env.put("IDENTITY_HEADER", aad.identityHeader);
      Path mi = tmp.resolve("mi");
      Cli.Result managed = Cli.run(env, uri("m"), mi.toString());
      assertThat(managed.exitCode()).as(managed.output() + aad.grants).isZero();
      assertThat(aad.grants).contains("managed_identity");
      assertThat(mi.resolve("model.bin")).hasContent("weights for an identity");
      env.remove("IDENTITY_ENDPOINT");
      env.remove("IDENTITY_HEADER");
      env.put("AZ_TENANT_ID", tenant);

      // A wrong secret: exit 3, the token endpoint's reason, no secret anywhere.
      env.remove("AZURE_FEDERATED_TOKEN_FILE");
      env.put("AZURE_CLIENT_SECRET", "not-" + secret);
      Path refused = tmp.resolve("refused");
      Cli.Result wrong = Cli.run(env, uri("m"), refused.toString());
      assertThat(wrong.exitCode()).as(wrong.output()).isEqualTo(3);
      assertThat(wrong.output()).contains("Cannot get an Azure AD token").doesNotContain(secret);
      assertThat(Cli.tree(refused)).isEmpty();
    }
  }

  // ---- File shares ----

  @Test
  void aShareFolderLandsUnderItsPathFromTheShareRootFiveLevelsDeep() throws Exception {
    try (FileShareServer files =
        new FileShareServer(tmp.resolve("shares"), Azurite.ACCOUNT, Azurite.KEY).pageSize(2)) {
      byte[] weights = random(2 * 1024 * 1024 + 1, 4);
      files.put("models", "m/v1/config.json", "{}".getBytes());
      files.put("models", "m/v1/weights.bin", weights);
      files.put("models", "m/v1/empty.txt", new byte[0]);
      files.put("models", "m/v1/a/b/c/d/e/five.txt", "5".getBytes());
      files.put("models", "m/v1/a/b/c/d/e/f/six.txt", "6".getBytes());
      files.put("models", "m/v10/leak.txt", "sibling".getBytes());
      Map<String, String> env =
          env("AZURE_FILE_ENDPOINT", files.endpoint(), "STORAGE_PART_SIZE", "1MiB");
      String share = "https://" + Azurite.ACCOUNT + ".file.core.windows.net/models/";
      Cli.Result r = Cli.run(env, share + "m/v1", dest.toString());
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(
              Cli.tree(dest).entrySet().stream()
                  .filter(e -> !e.getValue().equals("dir"))
                  .map(Map.Entry::getKey))
          .containsExactlyInAnyOrder(
              "m/v1/config.json", "m/v1/weights.bin", "m/v1/empty.txt", "m/v1/a/b/c/d/e/five.txt");
      assertThat(Files.readAllBytes(dest.resolve("m/v1/weights.bin"))).isEqualTo(weights);
      assertThat(files.authorizations()).isNotEmpty().allMatch(a -> a.equals("SharedKey"));

      // A file's URL names no folder: exit 4. A wrong key: exit 3.
      Cli.Result file = Cli.run(env, share + "m/v1/config.json", tmp.resolve("f").toString());
      assertThat(file.exitCode()).as(file.output()).isEqualTo(4);
      String wrongKey = java.util.Base64.getEncoder().encodeToString(random(64, 5));
      Cli.Result wrong =
          Cli.run(
              env("AZURE_FILE_ENDPOINT", files.endpoint(), "AZURE_STORAGE_ACCESS_KEY", wrongKey),
              share + "m/v1",
              tmp.resolve("w").toString());
      assertThat(wrong.exitCode()).as(wrong.output()).isEqualTo(3);
      assertThat(wrong.output()).doesNotContain(wrongKey);
      Cli.Result noShare =
          Cli.run(
              env,
              "https://" + Azurite.ACCOUNT + ".file.core.windows.net/nothing/m",
              tmp.resolve("n").toString());
      assertThat(noShare.exitCode()).as(noShare.output()).isEqualTo(4);
      assertThat(noShare.output()).contains("no share nothing");
    }
  }

  @Test
  void aShareFileReplacedMidDownloadIsRefused() throws Exception {
    Path shares = tmp.resolve("shares");
    try (FileShareServer files = new FileShareServer(shares, Azurite.ACCOUNT, Azurite.KEY);
        ForwardingFront front =
            new ForwardingFront("http://127.0.0.1:" + files.port())
                .beforeSecondRead(
                    "/m/model.bin",
                    () -> {
                      try {
                        files.put("models", "m/model.bin", random(3 * 1024 * 1024 + 9, 8));
                      } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                      }
                    })) {
      files.put("models", "m/model.bin", random(3 * 1024 * 1024, 7));
      Cli.Result r =
          Cli.run(
              env(
                  "AZURE_FILE_ENDPOINT",
                  front.endpoint() + "/{account}",
                  "STORAGE_PART_SIZE",
                  "1MiB",
                  "STORAGE_CONCURRENCY",
                  "1"),
              "https://" + Azurite.ACCOUNT + ".file.core.windows.net/models/m",
              dest.toString());
      assertThat(r.exitCode()).as(r.output()).isEqualTo(6);
      assertThat(r.output()).contains("changed in the store during the transfer");
      assertThat(dest.resolve("m/model.bin")).doesNotExist();
    }
  }
}
