package io.storageinit.hf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs the test hub as a process for benchmarks: {@code TestHubMain FOLDER PORT_FILE CDN_BASE}
 * serves the files below FOLDER as the repository {@code bench/model} (branch {@code main}), with
 * its LFS files redirected to {@code CDN_BASE/<sha256>}, and writes its port, then each LFS file's
 * path and SHA-256 (so that the caller can lay them out for its file server), to PORT_FILE; it
 * serves until the caller stops the process by its PID.
 */
public final class TestHubMain {
  private TestHubMain() {}

  public static void main(String[] args) throws Exception {
    Path folder = Path.of(args[0]);
    Map<String, TestHub.Content> files = new LinkedHashMap<>();
    List<Path> all;
    try (Stream<Path> walk = Files.walk(folder)) {
      all = walk.filter(Files::isRegularFile).sorted().toList();
    }
    for (Path p : all) {
      files.put(folder.relativize(p).toString(), TestHub.file(p));
    }
    try (TestHub hub = TestHub.start().lfsThreshold(1 << 20).cdnBase(args[2])) {
      hub.repo("bench/model").commit("main", files);
      StringBuilder out = new StringBuilder(hub.endpoint().replaceAll(".*:", "")).append('\n');
      for (String path : files.keySet()) {
        TestHub.File f = hub.fileOf("bench/model", "main", path);
        if (f.lfs()) {
          out.append(f.sha256()).append(' ').append(path).append('\n');
        }
      }
      Path tmp = Path.of(args[1] + ".tmp");
      Files.writeString(tmp, out);
      Files.move(tmp, Path.of(args[1]));
      // Serves until the caller stops the process by its PID.
      new java.util.concurrent.CountDownLatch(1).await();
    }
  }
}
