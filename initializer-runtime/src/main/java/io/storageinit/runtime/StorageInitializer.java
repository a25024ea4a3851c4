package io.storageinit.runtime;

import io.storageinit.api.Capability;
import io.storageinit.api.Finding;
import io.storageinit.api.Listing;
import io.storageinit.api.ModelFiles;
import io.storageinit.api.ModelValidator;
import io.storageinit.api.RemoteObject;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import io.storageinit.api.StorageProvider;
import io.storageinit.kit.Uris;
import io.storageinit.runtime.PluginRegistry.ProviderEntry;
import io.storageinit.runtime.Settings.LocalMode;
import io.storageinit.runtime.TransferEngine.Planned;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The storage initializer: {@code SRC DEST [SRC DEST ...]} with KServe's semantics. Composes the
 * installed plugins with the shared engine: resolve the provider, list, filter, transfer or link,
 * unpack a single archive, validate.
 */
public final class StorageInitializer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StorageInitializer.class);

  /** KServe's multi-model serving mount: a source under it means there is nothing to download. */
  static final String MODEL_MOUNT_DIR = "/mnt/models";

  static final String USAGE =
      "Usage: storage-initializer SRC_URI DEST_PATH [SRC_URI DEST_PATH ...]\n"
          + "       storage-initializer --list-plugins | --version | --help\n"
          + "       storage-initializer plan SRC_URI DEST_PATH [SRC_URI DEST_PATH ...]\n"
          + "       storage-initializer manifest --image IMAGE [--name NAME]"
          + " [--workload-type initContainer|localModelDownloadJob]";

  private final Map<String, String> env;
  private final Settings settings;
  private final Secrets secrets;
  private final Supplier<PluginRegistry> registrySource;
  private PluginRegistry registry;
  private final RuntimeProviderContext context;
  private final TransferStats stats = new TransferStats();
  private final Metrics metrics;
  private final Retrier retrier;

  /** Decryption of confidential models, when {@code CONFIDENTIAL_ENABLED}; else null. */
  private final Confidential confidential;

  private final Map<String, StorageClient> clients = new LinkedHashMap<>();
  private final ModelCache cache;

  /** How long the check waits for validators to get ready before it runs anyway. */
  static final java.time.Duration PREPARE_WAIT = java.time.Duration.ofMinutes(1);

  private final java.time.Duration prepareWait;

  /** The validators getting ready while the first download runs; null until it starts. */
  private Thread preparing;

  /**
   * @param registry the installed plugins; asked for on first need, so that discovery can run while
   *     the settings are read
   */
  StorageInitializer(Map<String, String> env, Secrets secrets, Supplier<PluginRegistry> registry) {
    this(env, secrets, registry, Retrier.Sleeper.REAL, PREPARE_WAIT);
  }

  /** When this run started ({@link System#nanoTime}): the deadline counts from here. */
  private final long started;

  /**
   * @param sleeper how retries wait
   * @param prepareWait how long the check waits for validators to get ready ({@link #PREPARE_WAIT})
   */
  StorageInitializer(
      Map<String, String> env,
      Secrets secrets,
      Supplier<PluginRegistry> registry,
      Retrier.Sleeper sleeper,
      java.time.Duration prepareWait) {
    this.prepareWait = prepareWait;
    this.started = System.nanoTime();
    this.env = Map.copyOf(env);
    this.secrets = secrets;
    secrets.addFromEnvironment(env);
    this.settings = Settings.fromEnvironment(env);
    this.metrics = new Metrics(env);
    secrets.addFromEnvironment(settings.storageConfig());
    this.registrySource = registry;
    this.context = new RuntimeProviderContext(env, settings.storageConfig(), secrets);
    this.retrier =
        new Retrier(
            settings.maxAttempts(),
            settings.retryInitialDelay(),
            settings.retryMaxDelay(),
            sleeper);
    this.cache =
        settings.cacheDir().map(dir -> new ModelCache(dir, settings.cacheMaxBytes())).orElse(null);
    this.confidential = Confidential.from(env, retrier, secrets).orElse(null);
  }

  private synchronized PluginRegistry registry() {
    if (registry == null) {
      registry = registrySource.get();
      registry
          .broken()
          .forEach(b -> LOG.warn("plugin failed to load: {}: {}", b.source(), b.reason()));
    }
    return registry;
  }

  /** Downloads every pair in order; DEST folders are all created first, as KServe does. */
  void run(List<String[]> pairs) {
    for (String[] pair : pairs) {
      try {
        Files.createDirectories(Path.of(pair[1]));
      } catch (IOException e) {
        throw new StorageException(
            Kind.INVALID_CONFIG, "Cannot create destination " + pair[1] + ": " + e, e);
      }
    }
    List<Path> downloaded = new ArrayList<>();
    try (Progress progress = new Progress(stats, settings.progressInterval())) {
      for (String[] pair : pairs) {
        if (measured(pair[0], Path.of(pair[1]))) {
          downloaded.add(Path.of(pair[1]));
        }
      }
      if (confidential != null) {
        // As KServe: once every pair is in, over every DEST; the validators then see plaintext.
        for (Path dest : downloaded) {
          confidential.decryptTree(dest);
        }
      }
      for (Path dest : downloaded) {
        validate(dest);
      }
      LOG.info("done: {}", progress.summary());
    } finally {
      metrics.export(env);
    }
  }

  /**
   * {@code plan SRC DEST [...]}: lists what a run would fetch into each DEST (each file and its
   * size, what is already in place, the total) and whether it fits DEST's file system, writing
   * nothing: not DEST, not a byte of any file. Problems a run would meet at the listing (no model,
   * refused names, credentials) fail the plan the same way.
   */
  void plan(List<String[]> pairs, java.io.PrintStream out) {
    for (String[] pair : pairs) {
      String uri = pair[0];
      Path dest = Path.of(pair[1]);
      out.println("plan: " + Uris.redact(uri) + " into " + dest);
      if (uri.startsWith(MODEL_MOUNT_DIR)) {
        out.println("  nothing to fetch: multi-model serving");
        continue;
      }
      StorageClient client = clientFor(uri);
      PathPatterns patterns = new PathPatterns(settings.allowPatterns(), settings.ignorePatterns());
      Listing listing = listWithRetries(client, uri, null);
      Planner planner = new Planner(dest);
      List<Planned> planned =
          planner.add(kept(listing.objects(), listing.singleObject(), patterns));
      requireSome(planner, uri, patterns);
      if (client.capabilities().contains(Capability.LOCAL_PATHS)
          && settings.localMode() == LocalMode.LINK) {
        out.println(
            "  "
                + planned.size()
                + " file(s) would be linked from the source volume (STORAGE_PVC_MODE=link): no"
                + " space needed");
        continue;
      }
      SpaceCheck space =
          SpaceCheck.of(dest, new Settings.DiskCheck(true, settings.diskCheck().margin()));
      for (Planned p : planned) {
        long before = space.inPlace();
        space.addQuietly(p);
        String what = space.inPlace() > before ? "in place" : "fetch";
        out.printf(
            "  %-8s %12s  %s%n",
            what,
            p.object().size() < 0 ? "?" : Progress.bytes(p.object().size()),
            ConsoleLog.escape(p.object().path()));
      }
      out.println(
          "  "
              + planned.size()
              + " file(s): "
              + Progress.bytes(space.needed())
              + " to fetch, "
              + Progress.bytes(space.inPlace())
              + " already in place; "
              + Progress.bytes(space.free())
              + " free of "
              + Progress.bytes(space.total())
              + " on DEST's file system: "
              + (space.fits() ? "fits" : "does NOT fit")
              + (planned.size() == 1
                      && Archives.formatOf(planned.get(0).target().getFileName().toString())
                          .isPresent()
                  ? " (an archive: its contents need room beside it while it is unpacked)"
                  : ""));
    }
  }

  /** {@link #download} with its metrics, success or failure. */
  private boolean measured(String uri, Path dest) {
    TransferStats before = stats.snapshot();
    long start = System.nanoTime();
    lastProvider = "none";
    String outcome = "failure";
    try {
      boolean did;
      try {
        did = download(uri, dest);
      } catch (StorageException e) {
        if (!e.offline()) {
          throw e;
        }
        did = keepOffline(uri, dest, e);
      }
      outcome = did ? "success" : "skipped";
      return did;
    } finally {
      metrics.download(
          lastProvider,
          PluginRegistry.schemeOf(uri),
          before,
          stats.snapshot(),
          java.time.Duration.ofNanos(System.nanoTime() - start),
          outcome);
    }
  }

  /**
   * The plugin was told to stay off the network (HF_HUB_OFFLINE): what DEST already holds is the
   * model, as the hub libraries serve what they downloaded before; a DEST with no file fails.
   */
  private boolean keepOffline(String uri, Path dest, StorageException offline) {
    List<String> files =
        Files.isDirectory(dest) ? io.storageinit.api.ModelFiles.list(dest) : List.of();
    if (files.isEmpty()) {
      throw offline;
    }
    LOG.info(
        "offline: {} is not fetched; keeping the {} file(s) {} already holds",
        Uris.redact(uri),
        files.size(),
        dest);
    stats.filesReused.addAndGet(files.size());
    return true;
  }

  /** Returns false when there was nothing to do (multi-model serving). */
  boolean download(String uri, Path dest) {
    LOG.info("Initializing, args: src_uri [{}] dest_path [{}]", Uris.redact(uri), dest);
    if (uri.startsWith(MODEL_MOUNT_DIR)) {
      LOG.info("{} is under {}: multi-model serving, nothing to download", uri, MODEL_MOUNT_DIR);
      return false;
    }
    StorageClient client = clientFor(uri);
    Archives.removeLeftovers(dest);
    PathPatterns patterns = new PathPatterns(settings.allowPatterns(), settings.ignorePatterns());
    boolean linked =
        client.capabilities().contains(Capability.LOCAL_PATHS)
            && settings.localMode() == LocalMode.LINK;
    Planner planner = new Planner(dest);
    SpaceCheck space = SpaceCheck.of(dest, settings.diskCheck());
    Optional<String> store = cache == null ? Optional.empty() : client.storeIdentity();
    if (cache != null && !linked && store.isEmpty()) {
      LOG.info(
          "not using the node cache for {}: the {} plugin does not say which store it reads",
          Uris.redact(uri),
          lastProvider);
    }
    if (linked || store.isPresent()) {
      // Linking and the cache work on the whole listing.
      Listing listing = listWithRetries(client, uri, null);
      List<RemoteObject> objects = kept(listing.objects(), listing.singleObject(), patterns);
      List<Planned> planned = planner.add(objects);
      requireSome(planner, uri, patterns);
      prepareValidators();
      if (linked) {
        link(planned, dest, listing.singleObject() || patterns.isEmpty());
      } else {
        fetchThroughCache(client, uri, store.get(), objects, planned);
      }
    } else {
      try (TransferEngine.Session session = engine().open(client, dest)) {
        // Pages of a long listing start their transfers while the next page is listed.
        int[] handedOver = {0};
        Listing listing =
            listWithRetries(
                client,
                uri,
                page -> {
                  handedOver[0] += page.size();
                  try {
                    List<Planned> batch = planner.add(kept(page, false, patterns));
                    space.add(batch);
                    session.submit(batch);
                  } catch (RuntimeException e) {
                    session.fail(e);
                  }
                });
        if (handedOver[0] == 0) {
          List<Planned> all =
              planner.add(kept(listing.objects(), listing.singleObject(), patterns));
          space.add(all);
          session.submit(all);
        } else if (handedOver[0] != listing.objects().size()) {
          session.fail(
              new StorageException(
                  Kind.INTERNAL,
                  "the "
                      + lastProvider
                      + " plugin handed over "
                      + handedOver[0]
                      + " objects in pages but listed "
                      + listing.objects().size()));
        }
        // Why a page was refused says more than "No model found" for what is left.
        session.throwIfFailed();
        requireSome(planner, uri, patterns);
        prepareValidators();
        session.await();
      }
    }
    if (planner.count() == 1) {
      Path fetched = planner.first().orElseThrow().target();
      String name = fetched.getFileName().toString();
      // An encrypted archive: decrypted first, then unpacked like any single archive.
      Path only =
          confidential != null
                  && Confidential.jweName(name)
                  && Archives.formatOf(Confidential.plainName(name)).isPresent()
              ? confidential.decrypt(fetched, dest)
              : fetched;
      Archives.formatOf(only.getFileName().toString())
          .ifPresent(
              f -> Archives.extract(only, f, dest, settings.archiveLimits(), settings.diskCheck()));
    }
    LOG.info("Successfully copied {} to {}", Uris.redact(uri), dest);
    return true;
  }

  private TransferEngine engine() {
    return new TransferEngine(
        settings.concurrency(), settings.partSize(), retrier, stats, settings.pace(), started);
  }

  /**
   * Fetches into the node cache (once, however many initializers ask at the same time) and links
   * the entry into DEST.
   */
  private void fetchThroughCache(
      StorageClient client,
      String uri,
      String store,
      List<RemoteObject> objects,
      List<Planned> planned) {
    String key = ModelCache.key(store, uri, objects);
    try (ModelCache.Hold hold = cache.hold(key)) {
      if (hold.complete()) {
        if (settings.cacheAccessCheck() == Settings.CacheAccessCheck.EACH_OBJECT) {
          CacheAccess.prove(client, objects, settings.concurrency(), retrier);
        }
        stats.cacheHits.incrementAndGet();
        stats.filesReused.addAndGet(planned.size());
        stats.filesDone.addAndGet(planned.size());
        LOG.info("cache hit for {} ({})", Uris.redact(uri), key);
      } else {
        stats.cacheMisses.incrementAndGet();
        Path staging = hold.staging();
        List<Planned> into =
            planned.stream()
                .map(p -> new Planned(p.object(), staging.resolve(p.object().path())))
                .toList();
        SpaceCheck.of(staging, settings.diskCheck()).add(into);
        engine().fetch(client, staging, into);
        hold.commit();
        LOG.info("cached {} as {}", Uris.redact(uri), key);
      }
      cache.materialize(key, planned);
    } catch (IOException e) {
      throw new StorageException(Kind.INTERNAL, "The cache failed: " + e, e);
    }
    cache.evict();
  }

  /** Objects of a tree that the allow/ignore patterns keep; an exact object is always kept. */
  private static List<RemoteObject> kept(
      List<RemoteObject> objects, boolean singleObject, PathPatterns patterns) {
    if (singleObject || patterns.isEmpty()) {
      return objects;
    }
    return objects.stream().filter(o -> patterns.keeps(o.path())).toList();
  }

  private static void requireSome(Planner planner, String uri, PathPatterns patterns) {
    if (planner.count() == 0) {
      throw StorageException.notFound(
          "Failed to fetch model. No model found in "
              + Uris.redact(uri)
              + (patterns.isEmpty()
                  ? ""
                  : " that STORAGE_ALLOW_PATTERNS/STORAGE_IGNORE_PATTERNS keep"));
    }
  }

  /** A transient failure with no time left to retry it in: exit 5, at once. */
  private static final class DeadlinePassed extends StorageException {
    private static final long serialVersionUID = 1L;

    DeadlinePassed(String message) {
      super(Kind.TRANSIENT, message);
    }

    @Override
    public boolean retryable() {
      return false;
    }
  }

  /**
   * Runs a listing, bounded by {@code STORAGE_DEADLINE_SECONDS} when it is set: a store that never
   * finishes its answer (each read just inside the read timeout) ends the run at the deadline, as
   * the transfers do. Without a deadline the listing runs on the calling thread.
   */
  private Listing withinDeadline(Supplier<Listing> listing, String uri) {
    if (settings.pace().deadline().isEmpty()) {
      return listing.get();
    }
    long left = settings.pace().nanosLeft(started);
    java.util.concurrent.FutureTask<Listing> task =
        new java.util.concurrent.FutureTask<>(listing::get);
    Thread t = new Thread(task, "listing");
    t.setDaemon(true);
    t.setContextClassLoader(Thread.currentThread().getContextClassLoader());
    t.start();
    try {
      return task.get(Math.max(0, left), java.util.concurrent.TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      task.cancel(true);
      throw new DeadlinePassed(
          settings.pace().missed("the listing of " + Uris.redact(uri))
              + "; check the store is healthy, or raise the deadline");
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new StorageException(Kind.INTERNAL, "Listing " + Uris.redact(uri) + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException(Kind.INTERNAL, "interrupted while listing", e);
    }
  }

  /**
   * Listing is retried like reads: throttling and 5xx on the first request are common. A listing
   * that has handed pages over to {@code pages} (when not null) is not started again.
   */
  private Listing listWithRetries(
      StorageClient client, String uri, Consumer<List<RemoteObject>> pages) {
    boolean[] handedOver = {false};
    Consumer<List<RemoteObject>> counted =
        pages == null
            ? null
            : page -> {
              handedOver[0] = true;
              pages.accept(page);
            };
    for (int attempt = 1; ; attempt++) {
      try {
        return withinDeadline(
            () -> counted == null ? client.list(uri) : client.list(uri, counted), uri);
      } catch (StorageException e) {
        if (!e.retryable() || attempt >= retrier.maxAttempts() || handedOver[0]) {
          throw e;
        }
        stats.retries.incrementAndGet();
        LOG.warn(
            "retrying the listing of {} (attempt {} failed: {})",
            Uris.redact(uri),
            attempt,
            e.getMessage());
        try {
          retrier.pause(attempt, e.retryAfter().orElse(null));
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  /** Maps objects to files under DEST, refusing paths that would land outside it or collide. */
  static List<Planned> plan(List<RemoteObject> objects, Path dest) {
    return new Planner(dest).add(objects);
  }

  /**
   * Maps objects to files under DEST batch by batch (a listing's pages), refusing paths that would
   * land outside it and collisions with any object of this or an earlier batch.
   */
  static final class Planner {
    private final Path dest;
    private final Set<String> files = new HashSet<>();
    private final Set<String> folders = new HashSet<>();
    private Planned first;

    Planner(Path dest) {
      this.dest = dest;
    }

    List<Planned> add(List<RemoteObject> objects) {
      List<Planned> planned = new ArrayList<>(objects.size());
      for (RemoteObject o : objects) {
        String path = o.path();
        String[] segs = path.split("/", -1);
        for (String seg : segs) {
          if (seg.isEmpty() || seg.equals(".") || seg.equals("..") || seg.indexOf('\0') >= 0) {
            throw new StorageException(
                Kind.INTEGRITY,
                "Refusing object path '"
                    + path
                    + "': it is empty, absolute or climbs out of the destination");
          }
          if (seg.indexOf('\\') >= 0) {
            // A backslash is a folder separator to Windows tools and to some archive writers:
            // landing it as a plain character would give a name that means two things.
            throw new StorageException(
                Kind.INTEGRITY,
                "Refusing object path '"
                    + path
                    + "': it holds a backslash, which names a different path to different tools;"
                    + " rename the object, or leave it out with STORAGE_IGNORE_PATTERNS (for"
                    + " example '*\\*')");
          }
        }
        if (WorkFolder.reserved(path)) {
          throw new StorageException(
              Kind.INTEGRITY,
              "Refusing object path '"
                  + path
                  + "': names starting with "
                  + WorkFolder.RESERVED_PREFIX
                  + " at the top of DEST are the initializer's own working folders; rename the"
                  + " object in the store");
        }
        if (!files.add(path)) {
          throw new StorageException(
              Kind.INTEGRITY, "Two objects map to the same file '" + path + "'");
        }
        if (folders.contains(path)) {
          throw bothFileAndFolder(path);
        }
        for (int i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
          String folder = path.substring(0, i);
          if (files.contains(folder)) {
            throw bothFileAndFolder(folder);
          }
          folders.add(folder);
        }
        Planned p = new Planned(o, dest.resolve(path));
        if (first == null) {
          first = p;
        }
        planned.add(p);
      }
      return planned;
    }

    /** How many objects were planned. */
    int count() {
      return files.size();
    }

    /** The first object planned, if any. */
    Optional<Planned> first() {
      return Optional.ofNullable(first);
    }

    private static StorageException bothFileAndFolder(String path) {
      return new StorageException(
          Kind.INTEGRITY,
          "'" + path + "' is both a file and a folder in the source; rename one of them");
    }
  }

  /**
   * KServe's local-path behaviour: symlink each top-level entry of the source into DEST; an entry
   * that already exists is left alone. With filters, each kept file is linked on its own.
   */
  private void link(List<Planned> planned, Path dest, boolean topLevel) {
    Map<Path, Path> links = new LinkedHashMap<>();
    for (Planned p : planned) {
      Path source =
          p.object()
              .localPath()
              .orElseThrow(
                  () ->
                      new StorageException(
                          Kind.INTERNAL,
                          "a client declared LOCAL_PATHS but listed "
                              + p.object().path()
                              + " without one"));
      if (topLevel) {
        // The top-level entry holding this file: as many parents up as the path is deep.
        String[] segments = p.object().path().split("/");
        Path top = source;
        for (int i = 1; i < segments.length; i++) {
          top = top.getParent();
        }
        links.putIfAbsent(dest.resolve(segments[0]), top);
      } else {
        links.put(p.target(), source);
      }
    }
    links.forEach(
        (linkPath, target) -> {
          try {
            if (Files.exists(linkPath, LinkOption.NOFOLLOW_LINKS)) {
              LOG.info("File {} already exists", linkPath);
              return;
            }
            Files.createDirectories(linkPath.getParent());
            LOG.info("Linking: {} to {}", target, linkPath);
            Files.createSymbolicLink(linkPath, target);
            stats.filesLinked.incrementAndGet();
          } catch (IOException e) {
            throw new StorageException(Kind.INTERNAL, "Cannot link " + linkPath + ": " + e, e);
          }
        });
  }

  /** The provider of the pair in progress, for metrics. */
  private String lastProvider = "none";

  private synchronized StorageClient clientFor(String uri) {
    ProviderEntry entry = registry().resolve(uri, settings.pinnedProviders());
    lastProvider = entry.name();
    StorageClient existing = clients.get(entry.name());
    if (existing != null) {
      return existing;
    }
    StorageProvider provider = entry.instantiate();
    if (!provider.supports(uri)) {
      throw new StorageException(
          Kind.INVALID_URI, "The " + entry.name() + " provider cannot serve " + Uris.redact(uri));
    }
    secrets.addKeys(env, provider.secretKeys());
    secrets.addKeys(settings.storageConfig(), provider.secretKeys());
    LOG.debug("opening the {} provider ({} {})", entry.name(), entry.version(), entry.jar());
    StorageClient client =
        new IsolatedClient(
            PluginRegistry.withContextLoader(
                entry.source().classLoader(), () -> provider.open(context)),
            entry.source().classLoader());
    clients.put(entry.name(), client);
    return client;
  }

  /**
   * Starts the chosen validators' {@link ModelValidator#prepare} on a thread of its own, once per
   * run, when the first download's transfers are under way: what a validator loads there is off the
   * path between the last byte and the exit.
   */
  private void prepareValidators() {
    if (preparing != null) {
      return;
    }
    preparing =
        new Thread(
            () -> {
              List<ModelValidator> chosen;
              try {
                chosen = chosenValidators();
              } catch (StorageException e) {
                return; // validate() reports it
              }
              for (ModelValidator v : chosen) {
                try {
                  PluginRegistry.withContextLoader(
                      loaderOf(v),
                      () -> {
                        v.prepare(env);
                        return null;
                      });
                } catch (RuntimeException | LinkageError e) {
                  LOG.debug("validator {} could not prepare: {}", v.name(), e.toString());
                }
              }
            },
            "validator-prepare");
    preparing.setDaemon(true);
    preparing.start();
  }

  private ClassLoader loaderOf(ModelValidator v) {
    return registry()
        .sourceOf(v)
        .map(PluginLoader.PluginSource::classLoader)
        .orElse(getClass().getClassLoader());
  }

  /** Runs the chosen validators; an ERROR finding fails the run. */
  private void validate(Path dest) {
    if (preparing != null) {
      try {
        // A validator that never gets ready is a plugin's bug: its check runs all the same.
        preparing.join(Math.max(1, prepareWait.toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StorageException(Kind.INTERNAL, "interrupted while validators got ready", e);
      }
      if (preparing.isAlive()) {
        LOG.warn(
            "validators still getting ready after {} ms; checking now", prepareWait.toMillis());
      }
    }
    List<ModelValidator> chosen = chosenValidators();
    // Listed once for every validator.
    List<String> files = chosen.isEmpty() ? List.of() : ModelFiles.list(dest);
    List<Finding> errors = new ArrayList<>();
    for (ModelValidator v : chosen) {
      List<Finding> findings =
          PluginRegistry.withContextLoader(loaderOf(v), () -> v.validate(dest, files, env));
      for (Finding f : findings) {
        metrics.finding(v.name(), f.severity());
        switch (f.severity()) {
          case ERROR -> {
            LOG.error("validation {}: {}", v.name(), f);
            errors.add(f);
          }
          case WARNING -> LOG.warn("validation {}: {}", v.name(), f);
          case INFO -> LOG.info("validation {}: {}", v.name(), f);
        }
      }
    }
    if (!errors.isEmpty()) {
      // A file that failed its check must not stay under its name for the server to load.
      for (Finding f : errors) {
        f.file().ifPresent(name -> removeRefused(dest, name));
      }
      throw new StorageException(
          Kind.INTEGRITY,
          "Model validation failed in "
              + dest
              + ": "
              + errors.stream().map(Finding::toString).collect(Collectors.joining("; ")));
    }
  }

  /**
   * Takes a file that failed validation out of DEST, never touching anything outside it: the path
   * is walked from DEST without following links, and the first link on the way (a link of KServe's
   * local mode into the source volume, or the file itself as a link) is what goes, the link and not
   * its target. A name that leaves DEST is left alone.
   */
  static void removeRefused(Path dest, String name) {
    Path root = dest.normalize();
    Path p = root.resolve(name).normalize();
    if (!p.startsWith(root) || p.equals(root)) {
      return;
    }
    Path at = root;
    for (Path part : root.relativize(p)) {
      at = at.resolve(part);
      if (Files.isSymbolicLink(at)) {
        TransferEngine.deleteQuietly(at); // Unlinks; the target stays where it is.
        LOG.warn(
            "removed the link {}{}: it failed validation (its target is left as it is)",
            at,
            at.equals(p) ? "" : " to " + name);
        return;
      }
      if (!at.equals(p) && !Files.isDirectory(at, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        return;
      }
    }
    TransferEngine.deleteQuietly(p);
    LOG.warn("removed {}: it failed validation", p);
  }

  private List<ModelValidator> chosenValidators() {
    Optional<List<String>> names = settings.validators();
    if (names.isEmpty()) {
      return registry().validators().stream().filter(ModelValidator::enabledByDefault).toList();
    }
    if (names.get().equals(List.of("none"))) {
      return List.of();
    }
    List<ModelValidator> chosen = new ArrayList<>();
    for (String name : names.get()) {
      chosen.add(
          registry().validators().stream()
              .filter(v -> v.name().equals(name))
              .findFirst()
              .orElseThrow(
                  () ->
                      new StorageException(
                          Kind.INVALID_CONFIG,
                          "STORAGE_VALIDATORS names '"
                              + name
                              + "', which is not installed; installed: "
                              + registry().validators().stream()
                                  .map(ModelValidator::name)
                                  .toList())));
    }
    return chosen;
  }

  TransferStats stats() {
    return stats;
  }

  @Override
  public void close() {
    clients.values().forEach(StorageClient::close);
    clients.clear();
    context.close();
  }

  /** Prints every installed provider and validator, and plugins that failed to load. */
  static void listPlugins(PluginRegistry registry, PrintStream out) {
    for (ProviderEntry p : registry.providers()) {
      out.printf(
          "provider  %-8s schemes: %-24s version: %-16s jar: %s%n",
          p.name(),
          p.schemes().stream().map(s -> s + "://").collect(Collectors.joining(", "))
              + (p.schemes().contains("file") ? ", local paths" : ""),
          p.version(),
          p.jar());
    }
    for (ModelValidator v : registry.validators()) {
      out.printf(
          "validator %-8s default: %-23s version: %-16s jar: %s%n",
          v.name(),
          v.enabledByDefault() ? "on" : "off",
          PluginRegistry.version(v.getClass()),
          PluginRegistry.jar(v.getClass()));
    }
    for (PluginRegistry.Broken b : registry.broken()) {
      out.printf("broken    %s: %s%n", b.source(), b.reason());
    }
  }
}
