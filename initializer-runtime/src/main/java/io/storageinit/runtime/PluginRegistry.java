package io.storageinit.runtime;

import io.storageinit.api.ModelValidator;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import io.storageinit.api.StorageProvider;
import io.storageinit.kit.Uris;
import io.storageinit.runtime.PluginLoader.PluginSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The installed providers and validators. Discovery is lazy and loud: a provider's {@link
 * StorageProvider.Descriptor} is read without instantiating it, so only the provider a URI needs is
 * ever created; a URI no provider serves, or one two providers claim, is an error that says what to
 * do; a plugin that fails to load is reported, and is fatal only when its scheme is asked for.
 */
final class PluginRegistry {

  /** A provider found on the class path or in a plugin folder, not yet instantiated. */
  record ProviderEntry(
      String name,
      Set<String> schemes,
      boolean narrow,
      ServiceLoader.Provider<StorageProvider> factory,
      PluginSource source) {

    String version() {
      return PluginRegistry.version(factory.type());
    }

    String jar() {
      return PluginRegistry.jar(factory.type());
    }

    /** Instantiates the provider with its plugin's class loader as the context class loader. */
    StorageProvider instantiate() {
      try {
        return withContextLoader(source.classLoader(), factory::get);
      } catch (RuntimeException | LinkageError e) {
        throw new StorageException(
            Kind.INTERNAL, "The " + name + " provider from " + jar() + " failed to start: " + e, e);
      }
    }
  }

  /** A plugin (or one of its services) that could not be loaded. */
  record Broken(String source, String reason) {}

  private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*)://");

  /** Where our own providers for well-known schemes come from, for "add the plugin" hints. */
  private static final Map<String, String> KNOWN_PLUGINS =
      Map.of(
          "s3", "s3",
          "hdfs", "hdfs",
          "webhdfs", "hdfs",
          "http", "http",
          "https", "http",
          "pvc", "pvc",
          "file", "pvc",
          "gs", "gcs",
          "hf", "hf",
          "modelscope", "modelscope");

  private final List<ProviderEntry> providers;
  private final List<ModelValidator> validators;
  private final Map<ModelValidator, PluginSource> validatorSources;
  private final List<Broken> broken;

  private PluginRegistry(
      List<ProviderEntry> providers,
      List<ModelValidator> validators,
      Map<ModelValidator, PluginSource> validatorSources,
      List<Broken> broken) {
    this.providers = List.copyOf(providers);
    this.validators = List.copyOf(validators);
    this.validatorSources = validatorSources;
    this.broken = List.copyOf(broken);
  }

  /**
   * Searches every source for providers and validators. Each plugin folder is searched on a thread
   * of its own, as opening a plugin's jars (Hadoop's hold tens of thousands of entries) is most of
   * the work and the folders share nothing; the results are merged in the sources' order.
   */
  static PluginRegistry discover(List<PluginSource> sources) {
    List<FutureTask<Found>> searches = new ArrayList<>();
    for (PluginSource source : sources) {
      FutureTask<Found> search = new FutureTask<>(() -> search(source));
      if (!searches.isEmpty()) {
        Thread thread = new Thread(search, "plugin-discovery-" + source.name());
        thread.setDaemon(true);
        thread.start();
      }
      searches.add(search);
    }
    if (!searches.isEmpty()) {
      searches.get(0).run();
    }
    List<ProviderEntry> providers = new ArrayList<>();
    List<ModelValidator> validators = new ArrayList<>();
    Map<ModelValidator, PluginSource> validatorSources = new LinkedHashMap<>();
    List<Broken> broken = new ArrayList<>();
    Set<String> seenTypes = new HashSet<>();
    for (int i = 0; i < searches.size(); i++) {
      Found found = join(searches.get(i));
      for (ProviderEntry p : found.providers()) {
        if (seenTypes.add(p.factory().type().getName() + "@" + p.jar())) {
          providers.add(p);
        }
      }
      for (ModelValidator v : found.validators()) {
        if (seenTypes.add(v.getClass().getName() + "@" + jar(v.getClass()))) {
          validators.add(v);
          validatorSources.put(v, sources.get(i));
        }
      }
      broken.addAll(found.broken());
    }
    return new PluginRegistry(providers, validators, validatorSources, broken);
  }

  /** What one source holds, and what in it failed to load. */
  private record Found(
      List<ProviderEntry> providers, List<ModelValidator> validators, List<Broken> broken) {}

  private static Found search(PluginSource source) {
    String where = source.location() == null ? "the class path" : source.location().toString();
    List<ProviderEntry> providers = new ArrayList<>();
    List<ModelValidator> validators = new ArrayList<>();
    List<Broken> broken = new ArrayList<>();
    try {
      for (ServiceLoader.Provider<StorageProvider> p :
          ServiceLoader.load(StorageProvider.class, source.classLoader()).stream().toList()) {
        Class<? extends StorageProvider> type = p.type();
        StorageProvider.Descriptor d = type.getAnnotation(StorageProvider.Descriptor.class);
        if (d == null || d.schemes().length == 0) {
          broken.add(
              new Broken(
                  where,
                  type.getName() + " lacks @StorageProvider.Descriptor(name=..., schemes=...)"));
          continue;
        }
        TreeSet<String> schemes = new TreeSet<>();
        for (String s : d.schemes()) {
          schemes.add(s.toLowerCase(Locale.ROOT));
        }
        providers.add(
            new ProviderEntry(
                d.name(),
                java.util.Collections.unmodifiableSortedSet(schemes),
                d.narrow(),
                p,
                source));
      }
      validators.addAll(
          withContextLoader(
              source.classLoader(),
              () ->
                  ServiceLoader.load(ModelValidator.class, source.classLoader()).stream()
                      .map(ServiceLoader.Provider::get)
                      .toList()));
    } catch (RuntimeException | LinkageError | java.util.ServiceConfigurationError e) {
      broken.add(new Broken(where, String.valueOf(e)));
    }
    return new Found(providers, validators, broken);
  }

  /**
   * The result of a discovery task run on another thread; what it threw is thrown here as it was (a
   * plugin's own failures never get this far: {@link #search} records them as {@link Broken}).
   */
  static <T> T join(FutureTask<T> task) {
    try {
      return task.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while discovering plugins", e);
    }
  }

  List<ProviderEntry> providers() {
    return providers;
  }

  List<ModelValidator> validators() {
    return validators;
  }

  List<Broken> broken() {
    return broken;
  }

  Optional<PluginSource> sourceOf(ModelValidator validator) {
    return Optional.ofNullable(validatorSources.get(validator));
  }

  /** The scheme of a URI, lower case; {@code file} for a plain path. */
  static String schemeOf(String uri) {
    Matcher m = SCHEME.matcher(uri);
    return m.find() ? m.group(1).toLowerCase(Locale.ROOT) : "file";
  }

  /**
   * Returns the one provider that serves {@code uri}.
   *
   * @param pins scheme → provider name, from {@code STORAGE_PROVIDER_<SCHEME>}
   * @throws StorageException {@code INVALID_URI} when no provider serves the scheme, {@code
   *     INVALID_CONFIG} when several do and none is pinned, or a pin names no candidate
   */
  ProviderEntry resolve(String uri, Map<String, String> pins) {
    String scheme = schemeOf(uri);
    List<ProviderEntry> forScheme =
        providers.stream().filter(p -> p.schemes().contains(scheme)).toList();
    String pin = pins.get(scheme);
    if (pin != null) {
      return forScheme.stream()
          .filter(p -> p.name().equals(pin))
          .findFirst()
          .orElseThrow(
              () ->
                  new StorageException(
                      Kind.INVALID_CONFIG,
                      "STORAGE_PROVIDER_"
                          + scheme.toUpperCase(Locale.ROOT).replace('-', '_')
                          + "="
                          + pin
                          + " names no installed provider for '"
                          + scheme
                          + "'; installed for it: "
                          + describe(forScheme)));
    }
    // Providers that serve part of the scheme (Azure among https://) are asked first.
    List<ProviderEntry> candidates = forScheme;
    List<ProviderEntry> narrow =
        candidates.stream().filter(ProviderEntry::narrow).filter(p -> accepts(p, uri)).toList();
    if (narrow.size() == 1) {
      return narrow.get(0);
    }
    if (narrow.isEmpty()) {
      candidates = candidates.stream().filter(p -> !p.narrow()).toList();
    } else {
      candidates = narrow;
    }
    if (candidates.isEmpty()) {
      throw new StorageException(Kind.INVALID_URI, unknownSchemeMessage(uri, scheme));
    }
    if (candidates.size() > 1) {
      throw new StorageException(
          Kind.INVALID_CONFIG,
          "Two or more providers serve '"
              + scheme
              + "': "
              + describe(candidates)
              + "; remove one plugin, or choose one with STORAGE_PROVIDER_"
              + scheme.toUpperCase(Locale.ROOT).replace('-', '_')
              + "=<name>");
    }
    return candidates.get(0);
  }

  private static boolean accepts(ProviderEntry provider, String uri) {
    StorageProvider p = provider.instantiate();
    return withContextLoader(provider.source().classLoader(), () -> p.supports(uri));
  }

  private String unknownSchemeMessage(String uri, String scheme) {
    StringBuilder msg =
        new StringBuilder("Cannot recognize storage type for ")
            .append(Uris.redact(uri))
            .append(": no installed plugin serves '")
            .append(scheme)
            .append("://'. Installed: ")
            .append(
                providers.isEmpty()
                    ? "none"
                    : providers.stream()
                        .map(
                            p ->
                                p.schemes().stream()
                                    .map(s -> s + "://")
                                    .collect(Collectors.joining(", ")))
                        .collect(Collectors.joining(", ")))
            .append('.');
    String plugin = KNOWN_PLUGINS.get(scheme);
    if (plugin != null) {
      msg.append(" Add the '")
          .append(plugin)
          .append("' plugin (storage-")
          .append(plugin)
          .append(" jars in plugins/")
          .append(plugin)
          .append("/) or use an image built with it.");
    }
    if (!broken.isEmpty()) {
      msg.append(" Plugins that failed to load: ")
          .append(
              broken.stream()
                  .map(b -> b.source() + " (" + b.reason() + ")")
                  .collect(Collectors.joining("; ")));
    }
    return msg.toString();
  }

  private static String describe(List<ProviderEntry> entries) {
    return entries.isEmpty()
        ? "none"
        : entries.stream()
            .map(e -> e.name() + " (" + e.jar() + ")")
            .collect(Collectors.joining(", "));
  }

  static String version(Class<?> type) {
    String v = type.getPackage() == null ? null : type.getPackage().getImplementationVersion();
    return v == null ? "unknown" : v;
  }

  static String jar(Class<?> type) {
    try {
      var cs = type.getProtectionDomain().getCodeSource();
      return cs == null ? "unknown" : Path.of(cs.getLocation().toURI()).toString();
    } catch (Exception e) {
      return "unknown";
    }
  }

  /**
   * Runs a plugin call with the plugin's class loader as context loader (Hadoop and SDKs read it).
   */
  static <T> T withContextLoader(ClassLoader loader, Callable<T> call) {
    Thread t = Thread.currentThread();
    ClassLoader previous = t.getContextClassLoader();
    t.setContextClassLoader(loader);
    try {
      return call.call();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      t.setContextClassLoader(previous);
    }
  }
}
