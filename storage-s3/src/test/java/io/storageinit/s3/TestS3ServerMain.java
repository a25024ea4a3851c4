package io.storageinit.s3;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs the test S3 server as a process for benchmarks: {@code TestS3ServerMain FOLDER PORT_FILE}
 * serves FOLDER (created if missing) and writes its port to PORT_FILE, until the caller stops the
 * process by its PID.
 */
public final class TestS3ServerMain {
  private TestS3ServerMain() {}

  public static void main(String[] args) throws Exception {
    Path folder = Files.createDirectories(Path.of(args[0]));
    try (TestS3Server server = TestS3Server.start(folder, false)) {
      Files.writeString(Path.of(args[1]), String.valueOf(server.port()));
      // Serves until the caller stops the process by its PID.
      new java.util.concurrent.CountDownLatch(1).await();
    }
  }
}
