package io.storageinit.runtime;

import io.storageinit.api.StorageException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The command line entry point. Exit codes: see {@link ExitCode}; 0 is success. */
public final class Main {
  private Main() {}

  /**
   * Said when the JVM runs out of memory, made before it can: by then there may be no memory left
   * to build a message.
   */
  private static final byte[] OUT_OF_MEMORY =
      ("storage-initializer: out of memory (exit 9): raise the container's memory limit, or lower"
              + " STORAGE_CONCURRENCY\n")
          .getBytes(java.nio.charset.StandardCharsets.UTF_8);

  /**
   * Ends the process with exit 9 when any thread runs out of memory, rather than the JVM's own exit
   * code for it (3, which here means refused credentials) or a run that hangs on a dead thread.
   */
  static void exitOnOutOfMemory() {
    Thread.setDefaultUncaughtExceptionHandler(
        (thread, e) -> {
          if (e instanceof OutOfMemoryError) {
            outOfMemory();
          }
          e.printStackTrace();
        });
  }

  private static void outOfMemory() {
    try {
      new FileOutputStream(FileDescriptor.err).write(OUT_OF_MEMORY);
    } catch (java.io.IOException | RuntimeException | Error ignored) {
      // Exit all the same.
    }
    Runtime.getRuntime().halt(ExitCode.OUT_OF_MEMORY.code);
  }

  public static void main(String[] args) {
    exitOnOutOfMemory();
    Secrets secrets = new Secrets();
    secrets.addFromEnvironment(System.getenv());
    // Every byte printed, by us or by a library, passes the secret mask.
    System.setErr(secrets.maskingStream(new FileOutputStream(FileDescriptor.err)));
    System.setOut(secrets.maskingStream(new FileOutputStream(FileDescriptor.out)));
    // Logging (ConsoleLog) starts on first use, after the streams above are masked.
    int code =
        run(
            args,
            System.getenv(),
            secrets,
            System.out,
            discoverInBackground(args, System.getenv()));
    System.out.flush();
    System.err.flush();
    System.exit(code);
  }

  /**
   * Starts plugin discovery, which opens every plugin's jars, on a thread of its own, so that it
   * runs while the logging and the settings start up; the returned supplier waits for it.
   */
  static Supplier<PluginRegistry> discoverInBackground(String[] args, Map<String, String> env) {
    FutureTask<PluginRegistry> task =
        new FutureTask<>(() -> PluginRegistry.discover(PluginLoader.sources(pluginsDir(env))));
    if (args.length == 1 && List.of("--help", "-h", "--version").contains(args[0])) {
      // These never ask for the plugins.
      return () -> {
        task.run();
        return PluginRegistry.join(task);
      };
    }
    Thread thread = new Thread(task, "plugin-discovery");
    thread.setDaemon(true);
    thread.start();
    return () -> {
      if (!task.isDone()) {
        loadSecurityProviders();
      }
      if (!task.isDone()) {
        loadSocketProvider();
      }
      return PluginRegistry.join(task);
    };
  }

  /**
   * Loads the JDK's security providers and hashes, which every download needs (checksums, request
   * signing) and whose first use costs a few tens of milliseconds; done while the main thread would
   * otherwise wait for plugin discovery.
   */
  static void loadSecurityProviders() {
    try {
      MessageDigest.getInstance("MD5").digest(new byte[1]);
      MessageDigest.getInstance("SHA-256").digest(new byte[1]);
    } catch (GeneralSecurityException e) {
      // A JDK without them fails where they are used, with that use's message.
    }
  }

  /**
   * Loads the JDK's provider of socket channels (the S3 and HDFS clients connect through them)
   * while the main thread would otherwise wait for plugin discovery. Unless the bin script named
   * the provider, its first use also searches every jar on the class path for a replacement.
   */
  static void loadSocketProvider() {
    java.nio.channels.spi.SelectorProvider.provider();
  }

  static int run(
      String[] args,
      Map<String, String> env,
      Secrets secrets,
      PrintStream out,
      Supplier<PluginRegistry> registry) {
    Logger log = LoggerFactory.getLogger(Main.class);
    if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
      out.println(StorageInitializer.USAGE);
      return ExitCode.OK.code;
    }
    if (args.length == 1 && args[0].equals("--version")) {
      out.println("storage-initializer " + PluginRegistry.version(Main.class));
      return ExitCode.OK.code;
    }
    if (args.length == 1 && args[0].equals("--list-plugins")) {
      StorageInitializer.listPlugins(registry.get(), out);
      return ExitCode.OK.code;
    }
    if (args.length >= 1 && args[0].equals("plan")) {
      List<String> rest = List.of(args).subList(1, args.length);
      if (rest.isEmpty() || rest.size() % 2 != 0) {
        log.error("plan expects pairs of SRC_URI DEST_PATH, got {} argument(s)", rest.size());
        System.err.println(StorageInitializer.USAGE);
        return ExitCode.USAGE_OR_INTERNAL.code;
      }
      List<String[]> pairs = new ArrayList<>();
      for (int i = 0; i < rest.size(); i += 2) {
        pairs.add(new String[] {rest.get(i), rest.get(i + 1)});
      }
      try (StorageInitializer init = new StorageInitializer(env, secrets, registry)) {
        init.plan(pairs, out);
        return ExitCode.OK.code;
      } catch (StorageException e) {
        log.error("{} ({})", secrets.mask(e.getMessage()), e.kind());
        return ExitCode.of(e.kind()).code;
      }
    }
    if (args.length >= 1 && args[0].equals("manifest")) {
      try {
        out.print(Manifest.render(List.of(args).subList(1, args.length), registry.get()));
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
    try (StorageInitializer init = new StorageInitializer(env, secrets, registry)) {
      init.run(pairs);
      return ExitCode.OK.code;
    } catch (StorageException e) {
      log.error("{} ({})", secrets.mask(e.getMessage()), e.kind());
      log.debug("cause", e);
      return ExitCode.of(e.kind()).code;
    } catch (OutOfMemoryError e) {
      outOfMemory();
      return ExitCode.OUT_OF_MEMORY.code;
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
