package io.storageinit.azure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Azurite's Blob service (npm {@code azurite}, pinned in the project's {@code test-servers/}) on a
 * free port of 127.0.0.1, in memory, for one test class; seeded over its REST API with SharedKey,
 * which Azurite checks.
 */
public final class Azurite implements AutoCloseable {
  /** Azurite's one account and its published key. */
  public static final String ACCOUNT = "devstoreaccount1";

  public static final String KEY =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

  public static final String NOT_INSTALLED =
      "Azurite is not installed: npm ci --prefix test-servers (.ci/run does)";

  private final Process process;
  private final int port;
  private final Path work;
  private final String scheme;
  private final HttpClient http;
  private final SharedKey signer = new SharedKey(ACCOUNT, KEY);

  private Azurite(Process process, int port, Path work, javax.net.ssl.SSLContext tls) {
    this.process = process;
    this.port = port;
    this.work = work;
    this.scheme = tls == null ? "http" : "https";
    this.http =
        tls == null ? HttpClient.newHttpClient() : HttpClient.newBuilder().sslContext(tls).build();
  }

  public static Path serversDir() {
    return Path.of(System.getProperty("test.servers.dir", "../test-servers")).toAbsolutePath();
  }

  public static boolean installed() {
    return Files.isRegularFile(serversDir().resolve("node_modules/.bin/azurite-blob"));
  }

  public static Azurite start() throws IOException, InterruptedException {
    return start(null, null, null);
  }

  /**
   * Starts Azurite over https with the server certificate {@code pfx} (a PKCS#12 file and its
   * password), taking Azure AD bearer tokens as its {@code --oauth basic} does (issuer, audience
   * and lifetime checked); {@code tls} trusts the certificate, for seeding.
   */
  public static Azurite startHttps(Path pfx, String password, javax.net.ssl.SSLContext tls)
      throws IOException, InterruptedException {
    return start(pfx, password, tls);
  }

  private static Azurite start(Path pfx, String password, javax.net.ssl.SSLContext tls)
      throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path work = Files.createTempDirectory("azurite");
    Path log = work.resolve("azurite.log");
    java.util.List<String> command =
        new java.util.ArrayList<>(
            java.util.List.of(
                serversDir().resolve("node_modules/.bin/azurite-blob").toString(),
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                Integer.toString(port),
                "--inMemoryPersistence",
                "--extentMemoryLimit",
                "1024",
                "--disableTelemetry",
                "--silent"));
    if (pfx != null) {
      command.addAll(
          java.util.List.of("--cert", pfx.toString(), "--pwd", password, "--oauth", "basic"));
    }
    Process process =
        new ProcessBuilder(command)
            .directory(work.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    Azurite azurite;
    try {
      azurite = new Azurite(process, port, work, tls);
    } catch (RuntimeException | Error e) {
      process.destroyForcibly();
      throw e;
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.readString(log).contains("successfully listens")) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        String said = Files.readString(log);
        azurite.close();
        throw new IOException("Azurite did not start: " + said);
      }
      Thread.sleep(50);
    }
    return azurite;
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  /** {@code AZURE_BLOB_ENDPOINT} for Azurite's path-style URLs. */
  public String endpoint() {
    return scheme + "://127.0.0.1:" + port + "/{account}";
  }

  /**
   * The URL KServe's grammar gives for {@code container/path}; reached through {@link #endpoint}.
   */
  public static String uri(String container, String path) {
    return "https://" + ACCOUNT + ".blob.core.windows.net/" + container + "/" + path;
  }

  /**
   * An account SAS for the Blob service, made as the service defines it (Azurite checks it): {@code
   * permissions} such as {@code rl}, for containers and objects, until {@code expiry}.
   */
  public static String accountSas(String permissions, java.time.Instant expiry) {
    String version = AzureStorageClient.VERSION;
    String se = expiry.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    String toSign =
        String.join("\n", ACCOUNT, permissions, "b", "sco", "", se, "", "", version, "") + "\n";
    String sig = new SharedKey(ACCOUNT, KEY).signature(toSign);
    return "sv="
        + version
        + "&ss=b&srt=sco&sp="
        + permissions
        + "&se="
        + java.net.URLEncoder.encode(se, java.nio.charset.StandardCharsets.UTF_8)
        + "&sig="
        + java.net.URLEncoder.encode(sig, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Makes a container; private unless {@code publicAccess} ({@code blob} or {@code container}). */
  public void createContainer(String container, String publicAccess) {
    Map<String, String> headers = new LinkedHashMap<>();
    if (publicAccess != null) {
      headers.put("x-ms-blob-public-access", publicAccess);
    }
    int status = send("PUT", "/" + container + "?restype=container", headers, new byte[0]);
    if (status != 201 && status != 409) {
      throw new IllegalStateException("Azurite refused the container " + container + ": " + status);
    }
  }

  /** Stores a block blob. */
  public void put(String container, String name, byte[] data) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("x-ms-blob-type", "BlockBlob");
    headers.put("Content-Type", "application/octet-stream");
    int status =
        send("PUT", "/" + container + "/" + AzureStorageClient.encodePath(name), headers, data);
    if (status != 201) {
      throw new IllegalStateException("Azurite refused " + container + "/" + name + ": " + status);
    }
  }

  private int send(String method, String pathAndQuery, Map<String, String> extra, byte[] body) {
    URI url = URI.create(scheme + "://127.0.0.1:" + port + "/" + ACCOUNT + pathAndQuery);
    Map<String, String> headers = new LinkedHashMap<>(extra);
    headers.put("x-ms-version", AzureStorageClient.VERSION);
    headers.put(
        "x-ms-date",
        DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)));
    headers.put("Content-Length", Integer.toString(body.length));
    headers.put("Authorization", signer.authorization(method, url, headers));
    headers.remove("Content-Length");
    HttpRequest.Builder req =
        HttpRequest.newBuilder(url).method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(req::header);
    try {
      HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> walk = Files.walk(work)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // Below the system's temporary folder: left for it.
    }
  }
}
