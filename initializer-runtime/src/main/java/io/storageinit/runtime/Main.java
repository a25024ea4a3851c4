package io.storageinit.runtime;

import io.storageinit.api.StorageException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The command line entry point. Exit codes: see {@link ExitCode}; 0 is success. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    Secrets secrets = new Secrets();
    secrets.addFromEnvironment(System.getenv());
    // Every byte printed, by us or by a library, passes the secret mask.
    System.setErr(secrets.maskingStream(new FileOutputStream(FileDescriptor.err)));
    System.setOut(secrets.maskingStream(new FileOutputStream(FileDescriptor.out)));
    String level =
        System.getenv().getOrDefault("STORAGE_LOG_LEVEL", "info").toLowerCase(Locale.ROOT);
    // Our own log lines follow STORAGE_LOG_LEVEL; libraries stay at info (warn for the chatty
    // ones),
    // so debug shows what the initializer does, not every certificate an SDK loads.
    System.setProperty("org.slf4j.simpleLogger.log.io.storageinit", level);
    int code = run(args, System.getenv(), secrets, System.out);
    System.out.flush();
    System.err.flush();
    System.exit(code);
  }

  static int run(String[] args, Map<String, String> env, Secrets secrets, PrintStream out) {
    Logger log = LoggerFactory.getLogger(Main.class);
    if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
      out.println(StorageInitializer.USAGE);
      return ExitCode.OK.code;
    }
    if (args.length == 1 && args[0].equals("--version")) {
      out.println("storage-initializer " + PluginRegistry.version(Main.class));
      return ExitCode.OK.code;
    }
    Path pluginsDir = pluginsDir(env);
    if (args.length == 1 && args[0].equals("--list-plugins")) {
      StorageInitializer.listPlugins(
          PluginRegistry.discover(PluginLoader.sources(pluginsDir)), out);
      return ExitCode.OK.code;
    }
    if (args.length >= 1 && args[0].equals("manifest")) {
      try {
        out.print(
            Manifest.render(
                List.of(args).subList(1, args.length),
                PluginRegistry.discover(PluginLoader.sources(pluginsDir))));
        return ExitCode.OK.code;
      } catch (StorageException e) {
        log.error("{}", e.getMessage());
        return ExitCode.of(e.kind()).code;
      }
    }
    if (args.length < 2 || args.length % 2 != 0) {
      log.error("expected pairs of SRC_URI DEST_PATH, got {} argument(s)", args.length);
      System.err.println(StorageInitializer.USAGE);
      return ExitCode.USAGE_OR_INTERNAL.code;
    }
    List<String[]> pairs = new ArrayList<>();
    for (int i = 0; i < args.length; i += 2) {
      pairs.add(new String[] {args[i], args[i + 1]});
    }
    try (StorageInitializer init =
        new StorageInitializer(
            env, secrets, PluginRegistry.discover(PluginLoader.sources(pluginsDir)))) {
      init.run(pairs);
      return ExitCode.OK.code;
    } catch (StorageException e) {
      log.error("{} ({})", secrets.mask(e.getMessage()), e.kind());
      log.debug("cause", e);
      return ExitCode.of(e.kind()).code;
    } catch (RuntimeException | Error e) {
      log.error("internal error: {}", secrets.mask(String.valueOf(e)), e);
      return ExitCode.USAGE_OR_INTERNAL.code;
    }
  }

  /**
   * {@code STORAGE_PLUGINS_DIR}, else {@code plugins/} of the distribution the script runs from.
   */
  static Path pluginsDir(Map<String, String> env) {
    String dir = env.get("STORAGE_PLUGINS_DIR");
    if (dir != null && !dir.isBlank()) {
      return Path.of(dir);
    }
    String home = System.getProperty("storageinit.home");
    return home == null ? null : Path.of(home, "plugins");
  }
}
