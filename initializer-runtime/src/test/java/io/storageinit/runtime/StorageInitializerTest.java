package io.storageinit.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.storageinit.api.Finding;
import io.storageinit.api.ModelValidator;
import io.storageinit.api.ProviderContext;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageProvider;
import io.storageinit.runtime.PluginLoader.PluginSource;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A whole run through the runtime, with an in-memory store and validators that record calls. */
class StorageInitializerTest {
  static final FakeClient STORE = new FakeClient(true);
  static final List<String> CALLS = new CopyOnWriteArrayList<>();

  @StorageProvider.Descriptor(name = "fake", schemes = "fake")
  public static final class FakeProvider implements StorageProvider {
    @Override
    public StorageClient open(ProviderContext context) {
      return STORE;
    }
  }

  /** Records on which thread it got ready, and whether that came before the check. */
  public static final class Recording implements ModelValidator {
    @Override
    public String name() {
      return "recording";
    }

    @Override
    public void prepare(Map<String, String> config) {
      CALLS.add("prepare on " + Thread.currentThread().getName());
    }

    @Override
    public List<Finding> validate(Path modelDir, Map<String, String> config) {
      CALLS.add("validate " + ModelFilesOf.list(modelDir));
      return List.of();
    }
  }

  /** Fails to get ready; its check must run all the same. */
  public static final class FailsToPrepare implements ModelValidator {
    @Override
    public String name() {
      return "fails-to-prepare";
    }

    @Override
    public void prepare(Map<String, String> config) {
      throw new IllegalStateException("no parser today");
    }

    @Override
    public List<Finding> validate(Path modelDir, Map<String, String> config) {
      CALLS.add("checked despite prepare");
      return List.of();
    }
  }

  /** While {@link #HOLD} is set, does not get ready until it is released. */
  public static final class SlowToPrepare implements ModelValidator {
    static volatile java.util.concurrent.CountDownLatch HOLD;

    /** Counted down once the held validator has recorded that it got ready. */
    static final java.util.concurrent.Semaphore RECORDED = new java.util.concurrent.Semaphore(0);

    @Override
    public String name() {
      return "slow-to-prepare";
    }

    @Override
    public void prepare(Map<String, String> config) {
      java.util.concurrent.CountDownLatch hold = HOLD;
      if (hold != null) {
        try {
          hold.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        CALLS.add("slow-to-prepare ready");
        RECORDED.release();
      }
    }

    @Override
    public List<Finding> validate(Path modelDir, Map<String, String> config) {
      CALLS.add("slow-to-prepare checked");
      return List.of();
    }
  }

  /** ModelFiles.list, named apart so that the recorded call reads plainly. */
  static final class ModelFilesOf {
    static List<String> list(Path dir) {
      return io.storageinit.api.ModelFiles.list(dir);
    }
  }

  @TempDir Path tmp;

  @BeforeEach
  void reset() {
    STORE.objects.clear();
    CALLS.clear();
  }

  PluginRegistry registry() throws Exception {
    Path plugin = tmp.resolve("plugin");
    Path services = Files.createDirectories(plugin.resolve("META-INF/services"));
    Files.writeString(
        services.resolve(StorageProvider.class.getName()), FakeProvider.class.getName() + "\n");
    Files.writeString(
        services.resolve(ModelValidator.class.getName()),
        Recording.class.getName()
            + "\n"
            + FailsToPrepare.class.getName()
            + "\n"
            + SlowToPrepare.class.getName()
            + "\n");
    ClassLoader loader =
        new URLClassLoader(
            new java.net.URL[] {plugin.toUri().toURL()}, getClass().getClassLoader());
    return PluginRegistry.discover(List.of(new PluginSource("test", loader, plugin)));
  }

  void run(Map<String, String> env, Path dest) throws Exception {
    run(env, dest, StorageInitializer.PREPARE_WAIT);
  }

  void run(Map<String, String> env, Path dest, java.time.Duration prepareWait) throws Exception {
    PluginRegistry registry = registry();
    try (StorageInitializer init =
        new StorageInitializer(
            env, new Secrets(), () -> registry, Retrier.Sleeper.REAL, prepareWait)) {
      init.run(List.<String[]>of(new String[] {"fake://bucket/model", dest.toString()}));
    }
  }

  @Test
  void validatorsGetReadyOnTheirOwnThreadBeforeTheyCheckTheWholeModel() throws Exception {
    STORE.objects.put("config.json", "{}".getBytes(StandardCharsets.UTF_8));
    STORE.objects.put("weights/part-0.bin", new byte[4096]);
    Path dest = tmp.resolve("dest");

    run(Map.of(), dest);

    assertThat(CALLS)
        .containsExactly(
            "prepare on validator-prepare",
            "validate [config.json, weights/part-0.bin]",
            "checked despite prepare",
            "slow-to-prepare checked");
    assertThat(dest.resolve("weights/part-0.bin")).hasSize(4096);
  }

  @Test
  void onlyTheChosenValidatorsGetReady() throws Exception {
    STORE.objects.put("config.json", "{}".getBytes(StandardCharsets.UTF_8));

    run(Map.of("STORAGE_VALIDATORS", "fails-to-prepare"), tmp.resolve("dest"));

    assertThat(CALLS).containsExactly("checked despite prepare");
  }

  @Test
  @org.junit.jupiter.api.Timeout(30)
  void aValidatorThatDoesNotGetReadyInTimeIsCheckedAllTheSame() throws Exception {
    STORE.objects.put("config.json", "{}".getBytes(StandardCharsets.UTF_8));
    SlowToPrepare.HOLD = new java.util.concurrent.CountDownLatch(1);
    try {
      run(
          Map.of("STORAGE_VALIDATORS", "slow-to-prepare"),
          tmp.resolve("dest"),
          java.time.Duration.ofMillis(50));
      // The run is over while the validator is still getting ready.
      assertThat(CALLS).containsExactly("slow-to-prepare checked");
    } finally {
      SlowToPrepare.HOLD.countDown();
      // The released validator records once more; wait for it so that the record cannot land in
      // the next test's calls.
      assertThat(SlowToPrepare.RECORDED.tryAcquire(10, java.util.concurrent.TimeUnit.SECONDS))
          .isTrue();
      SlowToPrepare.HOLD = null;
    }
  }
}
