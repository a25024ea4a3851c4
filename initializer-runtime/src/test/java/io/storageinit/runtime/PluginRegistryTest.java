package io.storageinit.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.storageinit.api.ProviderContext;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import io.storageinit.api.StorageProvider;
import io.storageinit.runtime.PluginLoader.PluginSource;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginRegistryTest {
  static final AtomicInteger CREATED = new AtomicInteger();

  @StorageProvider.Descriptor(name = "demo-a", schemes = "demo")
  public static final class DemoA implements StorageProvider {
    public DemoA() {
      CREATED.incrementAndGet();
    }

    @Override
    public StorageClient open(ProviderContext context) {
      throw new UnsupportedOperationException();
    }
  }

  @StorageProvider.Descriptor(
      name = "demo-b",
      schemes = {"demo", "other"})
  public static final class DemoB implements StorageProvider {
    public DemoB() {
      CREATED.incrementAndGet();
    }

    @Override
    public StorageClient open(ProviderContext context) {
      throw new UnsupportedOperationException();
    }
  }

  /** Serves the demo:// URIs of one host, as Azure's plugin serves some https:// URIs. */
  @StorageProvider.Descriptor(name = "demo-narrow", schemes = "demo", narrow = true)
  public static final class DemoNarrow implements StorageProvider {
    @Override
    public boolean supports(String uri) {
      return uri.startsWith("demo://special.example/");
    }

    @Override
    public StorageClient open(ProviderContext context) {
      throw new UnsupportedOperationException();
    }
  }

  @TempDir Path dir;

  PluginRegistry registry(String... providerClasses) throws Exception {
    return PluginRegistry.discover(List.of(source("test", providerClasses)));
  }

  /** A plugin folder whose service file names {@code providerClasses}. */
  PluginSource source(String name, String... providerClasses) throws Exception {
    Path folder = dir.resolve(name);
    Path services = Files.createDirectories(folder.resolve("META-INF/services"));
    Files.writeString(
        services.resolve(StorageProvider.class.getName()),
        String.join("\n", providerClasses) + "\n");
    ClassLoader loader =
        new URLClassLoader(
            new java.net.URL[] {folder.toUri().toURL()}, getClass().getClassLoader());
    return new PluginSource(name, loader, folder);
  }

  @Test
  void resolvingReadsTheDescriptorWithoutInstantiating() throws Exception {
    CREATED.set(0);
    PluginRegistry r = registry(DemoB.class.getName());
    assertThat(r.resolve("other://x", Map.of()).name()).isEqualTo("demo-b");
    assertThat(CREATED.get()).isZero();
    r.resolve("other://x", Map.of()).instantiate();
    assertThat(CREATED.get()).isEqualTo(1);
  }

  @Test
  void twoProvidersForOneSchemeAreAnErrorNamingBoth() throws Exception {
    PluginRegistry r = registry(DemoA.class.getName(), DemoB.class.getName());
    assertThatThrownBy(() -> r.resolve("demo://x", Map.of()))
        .isInstanceOfSatisfying(
            StorageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_CONFIG))
        .hasMessageContaining("demo-a")
        .hasMessageContaining("demo-b")
        .hasMessageContaining("STORAGE_PROVIDER_DEMO=<name>");
  }

  @Test
  void aNarrowProviderTakesTheUrisItAcceptsAndLeavesTheRestToTheWholeSchemes() throws Exception {
    PluginRegistry r = registry(DemoA.class.getName(), DemoNarrow.class.getName());
    assertThat(r.resolve("demo://special.example/m", Map.of()).name()).isEqualTo("demo-narrow");
    assertThat(r.resolve("demo://elsewhere.example/m", Map.of()).name()).isEqualTo("demo-a");
    // A pin still decides.
    assertThat(r.resolve("demo://special.example/m", Map.of("demo", "demo-a")).name())
        .isEqualTo("demo-a");
    // Alone, the narrow provider does not claim what it does not accept.
    PluginRegistry alone = registry(DemoNarrow.class.getName());
    assertThatThrownBy(() -> alone.resolve("demo://elsewhere.example/m", Map.of()))
        .hasMessageContaining("Cannot recognize storage type");
  }

  @Test
  void aPinChoosesAndAWrongPinSaysWhatIsInstalled() throws Exception {
    PluginRegistry r = registry(DemoA.class.getName(), DemoB.class.getName());
    assertThat(r.resolve("demo://x", Map.of("demo", "demo-b")).name()).isEqualTo("demo-b");
    assertThatThrownBy(() -> r.resolve("demo://x", Map.of("demo", "demo-c")))
        .hasMessageContaining("STORAGE_PROVIDER_DEMO=demo-c names no installed provider");
  }

  @Test
  void aMissingClassIsReportedAsBrokenNotThrown() throws Exception {
    PluginRegistry r = registry("com.example.DoesNotExist");
    assertThat(r.broken())
        .singleElement()
        .satisfies(b -> assertThat(b.reason()).contains("com.example.DoesNotExist"));
    assertThatThrownBy(() -> r.resolve("nope://x", Map.of()))
        .hasMessageContaining("Cannot recognize storage type")
        .hasMessageContaining("failed to load");
  }

  @Test
  void everyFolderIsSearchedAndTheResultsKeepTheFoldersOrder() throws Exception {
    PluginRegistry r =
        PluginRegistry.discover(
            List.of(
                source("a", DemoB.class.getName()),
                source("b", "com.example.DoesNotExist"),
                source("c", DemoA.class.getName()),
                // The same class, seen again through another folder, is listed once.
                source("d", DemoB.class.getName())));
    // Each folder's loader also sees the test class path, whose providers are listed once too.
    List<PluginRegistry.ProviderEntry> demos =
        r.providers().stream().filter(p -> p.name().startsWith("demo-")).toList();
    assertThat(demos)
        .extracting(PluginRegistry.ProviderEntry::name)
        .containsExactly("demo-b", "demo-a");
    assertThat(demos.get(0).source().name()).isEqualTo("a");
    assertThat(r.providers())
        .extracting(PluginRegistry.ProviderEntry::name)
        .doesNotHaveDuplicates();
    assertThat(r.broken())
        .singleElement()
        .satisfies(
            b -> {
              assertThat(b.source()).endsWith("b");
              assertThat(b.reason()).contains("com.example.DoesNotExist");
            });
  }

  @Test
  void schemesAreCaseInsensitiveAndPlainPathsAreFiles() {
    assertThat(PluginRegistry.schemeOf("S3://b/k")).isEqualTo("s3");
    assertThat(PluginRegistry.schemeOf("/mnt/pvc/m")).isEqualTo("file");
    assertThat(PluginRegistry.schemeOf("relative/path")).isEqualTo("file");
  }
}
