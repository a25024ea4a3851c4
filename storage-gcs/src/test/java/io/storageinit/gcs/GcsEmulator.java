package io.storageinit.gcs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Google's Cloud Storage emulator (the one inside npm {@code firebase-tools}, pinned in the
 * project's {@code test-servers/}), started on a free port of 127.0.0.1 for one test class and
 * seeded over plain HTTP, as its JSON API's media upload takes it. Buckets are made on first use.
 */
public final class GcsEmulator implements AutoCloseable {
  private static final Pattern GENERATION = Pattern.compile("\"generation\"\\s*:\\s*\"(\\d+)\"");

  private final Process process;
  private final int port;
  private final Path work;
  private final HttpClient http = HttpClient.newHttpClient();

  private GcsEmulator(Process process, int port, Path work) {
    this.process = process;
    this.port = port;
    this.work = work;
  }

  /** The folder holding the project's npm test servers ({@code test-servers/}). */
  public static Path serversDir() {
    return Path.of(System.getProperty("test.servers.dir", "../test-servers")).toAbsolutePath();
  }

  /** Whether the emulator is installed ({@code npm ci --prefix test-servers}, as .ci/run does). */
  public static boolean installed() {
    return Files.isDirectory(serversDir().resolve("node_modules/firebase-tools"));
  }

  /** Why the tests that need the emulator are skipped when it is not installed. */
  public static final String NOT_INSTALLED =
      "the Cloud Storage emulator is not installed: npm ci --prefix test-servers (.ci/run does)";

  public static GcsEmulator start() throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path work = Files.createTempDirectory("gcs-emulator");
    Path log = work.resolve("emulator.log");
    ProcessBuilder pb =
        new ProcessBuilder("node", "gcs-emulator.js", Integer.toString(port))
            .directory(serversDir().toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    // The emulator keeps object data below the system's temporary folder: one of its own.
    pb.environment().put("TMPDIR", work.toString());
    Process process = pb.start();
    GcsEmulator emulator = new GcsEmulator(process, port, work);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.readString(log).contains("ready")) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        String said = Files.readString(log);
        emulator.close();
        throw new IOException("The Cloud Storage emulator did not start: " + said);
      }
      Thread.sleep(50);
    }
    return emulator;
  }

  /** The emulator's base URL, as {@code STORAGE_EMULATOR_HOST} takes it. */
  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** The PID of the emulator's process. */
  public long pid() {
    return process.pid();
  }

  /** Stores {@code data} as {@code bucket/name}; returns the object's new generation. */
  public long put(String bucket, String name, byte[] data) {
    URI uri =
        URI.create(
            endpoint()
                + "/upload/storage/v1/b/"
                + bucket
                + "/o?uploadType=media&name="
                + URLEncoder.encode(name, StandardCharsets.UTF_8));
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(uri)
                  .timeout(Duration.ofSeconds(120))
                  .header("Content-Type", "application/octet-stream")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(data))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      Matcher m = GENERATION.matcher(r.body());
      if (r.statusCode() != 200 || !m.find()) {
        throw new IllegalStateException(
            "The emulator refused " + bucket + "/" + name + ": " + r.statusCode() + " " + r.body());
      }
      return Long.parseLong(m.group(1));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Stops the emulator (by its PID) and removes its data. */
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
