package io.storageinit.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A private copy of the built distribution whose plugins/ a test may change. */
final class Distribution {
  final Path home;

  private Distribution(Path home) {
    this.home = home;
  }

  /** Copies bin/ and lib/ and the named plugin folders into {@code dir}. */
  static Distribution copy(Path dir, String... plugins) throws Exception {
    Path home = dir.resolve("storage-initializer");
    CommandLineIT.copyTree(Cli.HOME.resolve("bin"), home.resolve("bin"));
    CommandLineIT.copyTree(Cli.HOME.resolve("lib"), home.resolve("lib"));
    Files.createDirectories(home.resolve("plugins"));
    for (String p : plugins) {
      CommandLineIT.copyTree(
          Cli.HOME.resolve("plugins").resolve(p), home.resolve("plugins").resolve(p));
    }
    home.resolve("bin/storage-initializer").toFile().setExecutable(true);
    return new Distribution(home);
  }

  Path plugin(String name) throws Exception {
    return Files.createDirectories(home.resolve("plugins").resolve(name));
  }

  Cli.Result run(Map<String, String> env, String... args) throws Exception {
    return Cli.run(home.resolve("bin/storage-initializer"), env, args);
  }
}
