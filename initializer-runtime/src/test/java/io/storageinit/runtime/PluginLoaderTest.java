package io.storageinit.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.storageinit.api.StorageProvider;
import io.storageinit.runtime.PluginLoader.PluginSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginLoaderTest {
  static final String SERVICES = "META-INF/services/" + StorageProvider.class.getName();

  @TempDir Path plugins;

  /** A jar holding {@code entries}: names to contents. */
  static void jar(Path file, Map<String, byte[]> entries) throws IOException {
    Files.createDirectories(file.getParent());
    try (OutputStream out = Files.newOutputStream(file);
        JarOutputStream jar = new JarOutputStream(out)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        jar.putNextEntry(new JarEntry(e.getKey()));
        jar.write(e.getValue());
        jar.closeEntry();
      }
    }
  }

  /** The class file of {@code type}, as a jar entry. */
  static Map.Entry<String, byte[]> classFile(Class<?> type) throws IOException {
    String name = type.getName().replace('.', '/') + ".class";
    try (InputStream in = type.getClassLoader().getResourceAsStream(name)) {
      return Map.entry(name, in.readAllBytes());
    }
  }

  static byte[] text(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A plugin jar that declares and holds {@code provider}. */
  static void providerJar(Path file, Class<?> provider) throws IOException {
    jar(file, Map.ofEntries(classFile(provider), Map.entry(SERVICES, text(provider.getName()))));
  }

  PluginRegistry discover() {
    return PluginRegistry.discover(PluginLoader.sources(plugins));
  }

  @Test
  void withLibOnlyTheTopJarsAreSearchedForServicesAndEveryJarServesClasses() throws Exception {
    Path folder = plugins.resolve("demo");
    providerJar(folder.resolve("demo-plugin.jar"), PluginRegistryTest.DemoA.class);
    // A dependency that also declares a provider: under lib/, it is not one of the plugin's.
    providerJar(folder.resolve("lib/dependency.jar"), PluginRegistryTest.DemoB.class);
    jar(folder.resolve("lib/data.jar"), Map.of("data/answer.txt", text("42")));

    List<PluginSource> sources = PluginLoader.sources(plugins);
    PluginRegistry registry = PluginRegistry.discover(sources);

    assertThat(registry.providers())
        .extracting(PluginRegistry.ProviderEntry::name)
        .containsExactly("demo-a");
    ClassLoader loader = sources.get(0).classLoader();
    assertThat(loader.loadClass(PluginRegistryTest.DemoB.class.getName()).getClassLoader())
        .isSameAs(loader);
    try (InputStream in = loader.getResourceAsStream("data/answer.txt")) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("42");
    }
    // Other service files (a library's own ServiceLoader) are found in every jar.
    jar(folder.resolve("lib/other.jar"), Map.of("META-INF/services/com.example.Spi", text("x")));
    assertThat(
            java.util.Collections.list(
                PluginLoader.sources(plugins)
                    .get(0)
                    .classLoader()
                    .getResources("META-INF/services/com.example.Spi")))
        .hasSize(1);
  }

  @Test
  void aFlatFolderIsSearchedInFull() throws Exception {
    Path folder = plugins.resolve("flat");
    providerJar(folder.resolve("a.jar"), PluginRegistryTest.DemoA.class);
    providerJar(folder.resolve("b.jar"), PluginRegistryTest.DemoB.class);

    assertThat(discover().providers())
        .extracting(PluginRegistry.ProviderEntry::name)
        .containsExactly("demo-a", "demo-b");
  }
}
