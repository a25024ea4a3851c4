package io.storageinit.it;

import io.storageinit.http.TestHttpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real HTTP server over a fresh folder for each test, and a DEST beside it: what the HTTP tests
 * of the real command share.
 */
abstract class HttpServerFixture {
  @TempDir Path tmp;
  Path www;
  Path dest;
  TestHttpServer server;

  @BeforeEach
  void start() throws Exception {
    www = Files.createDirectories(tmp.resolve("www"));
    dest = tmp.resolve("mnt/models");
    server = TestHttpServer.start(www);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** A file of {@code size} random bytes in {@code folder}; returns its bytes. */
  static byte[] publish(Path folder, String name, int size) throws Exception {
    byte[] data = new byte[size];
    new Random(size).nextBytes(data);
    Files.write(folder.resolve(name), data);
    return data;
  }

  byte[] publish(String name, int size) throws Exception {
    return publish(www, name, size);
  }

  Cli.Result fetch(Map<String, String> env, String name) throws Exception {
    return Cli.run(env, server.url(name), dest.toString());
  }
}
