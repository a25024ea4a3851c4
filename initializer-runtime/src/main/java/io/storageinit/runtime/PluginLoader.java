package io.storageinit.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.stream.Stream;

/**
 * Finds where plugins live: one folder per plugin under {@code plugins/}, each in a class loader of
 * its own whose parent sees only the SPI and SLF4J (without that folder, the application class
 * path). Plugins therefore cannot clash on dependencies: Hadoop's tree and the AWS SDK's never
 * meet.
 *
 * <p>A folder holds the plugin's jar and its dependencies, either beside it or under {@code lib/}.
 * When there is a {@code lib/}, only the jars at the top of the folder are searched for the SPI's
 * service files, and they come first on the plugin's class path: discovery then opens only those,
 * and a dependency jar is opened when a class in it is first needed.
 */
final class PluginLoader {

  /** Where a set of plugin classes comes from. */
  record PluginSource(String name, ClassLoader classLoader, Path location) {}

  /** Where the SPI's service files are. */
  private static final String SPI_SERVICES = "META-INF/services/io.storageinit.api.";

  /** Packages a plugin shares with the runtime. Everything else a plugin brings itself. */
  private static final List<String> SHARED_PACKAGES = List.of("io.storageinit.api.", "org.slf4j.");

  private PluginLoader() {}

  /**
   * Returns one source per folder of {@code pluginsDir}, in name order; without that folder (tests,
   * embedding), the application class path. The class path is not searched beside the folder: in
   * the distribution it holds only the runtime, and reading the index of every jar on it for
   * service files took a quarter of plugin discovery.
   */
  static List<PluginSource> sources(Path pluginsDir) {
    List<PluginSource> sources = new ArrayList<>();
    if (pluginsDir == null || !Files.isDirectory(pluginsDir)) {
      sources.add(new PluginSource("classpath", PluginLoader.class.getClassLoader(), null));
      return sources;
    }
    ClassLoader shared = new SharedApiClassLoader(PluginLoader.class.getClassLoader());
    try (Stream<Path> dirs = Files.list(pluginsDir)) {
      for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
        sources.add(new PluginSource(dir.getFileName().toString(), loader(dir, shared), dir));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the plugins folder " + pluginsDir, e);
    }
    return sources;
  }

  private static ClassLoader loader(Path dir, ClassLoader parent) throws IOException {
    List<URL> top = jarUrls(dir);
    Path lib = dir.resolve("lib");
    if (!Files.isDirectory(lib)) {
      return new URLClassLoader(dir.getFileName().toString(), top.toArray(URL[]::new), parent);
    }
    List<URL> all = new ArrayList<>(top);
    all.addAll(jarUrls(lib));
    return new PluginClassLoader(dir.getFileName().toString(), top, all, parent);
  }

  /** The jars directly in {@code dir}, in name order. */
  private static List<URL> jarUrls(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      List<URL> urls = new ArrayList<>();
      for (Path jar : files.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
        try {
          urls.add(jar.toUri().toURL());
        } catch (MalformedURLException e) {
          throw new IOException("Bad jar path " + jar, e);
        }
      }
      return urls;
    }
  }

  /**
   * A plugin whose dependencies are under {@code lib/}: the SPI's service files are looked up in
   * the jars at the top of its folder alone; every other resource, and every class, in all of them.
   */
  static final class PluginClassLoader extends URLClassLoader {
    static {
      registerAsParallelCapable();
    }

    private final URLClassLoader topJars;

    PluginClassLoader(String name, List<URL> top, List<URL> all, ClassLoader parent) {
      super(name, all.toArray(URL[]::new), parent);
      // Resources only, without a parent: the SPI's own services are never asked of it.
      this.topJars = new URLClassLoader(top.toArray(URL[]::new), null);
    }

    @Override
    public Enumeration<URL> findResources(String name) throws IOException {
      return name.startsWith(SPI_SERVICES)
          ? topJars.findResources(name)
          : super.findResources(name);
    }

    @Override
    public void close() throws IOException {
      try (topJars) {
        super.close();
      }
    }
  }

  /**
   * The parent of every plugin class loader: the JDK's platform classes plus the shared packages
   * from the runtime. Resources come from the platform only, so ServiceLoader in a plugin's loader
   * finds that plugin's services and not the runtime's.
   */
  static final class SharedApiClassLoader extends ClassLoader {
    static {
      registerAsParallelCapable();
    }

    private final ClassLoader runtime;

    SharedApiClassLoader(ClassLoader runtime) {
      super("storage-initializer-spi", ClassLoader.getPlatformClassLoader());
      this.runtime = runtime;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      for (String prefix : SHARED_PACKAGES) {
        if (name.startsWith(prefix)) {
          return runtime.loadClass(name);
        }
      }
      return super.loadClass(name, resolve);
    }

    /**
     * None for the SPI's own service files, which only plugins declare: the JDK's modules are not
     * searched for them (every plugin asks for each service, and each search reads the module
     * image's index).
     */
    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
      return name.startsWith(SPI_SERVICES)
          ? java.util.Collections.emptyEnumeration()
          : super.getResources(name);
    }
  }
}
