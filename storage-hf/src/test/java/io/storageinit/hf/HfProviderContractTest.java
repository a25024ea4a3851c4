package io.storageinit.hf;

import io.storageinit.api.StorageProvider;
import io.storageinit.tck.BackendFixture;
import io.storageinit.tck.StorageProviderContract;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Runs the TCK against the hf provider and the test hub. A hub URI names a whole repository, so the
 * fixture makes, for each path the TCK asks about, a repository of what lies below it.
 */
class HfProviderContractTest extends StorageProviderContract {
  static TestHub hub;
  static final AtomicInteger FIXTURES = new AtomicInteger();

  @BeforeAll
  static void startHub() throws Exception {
    hub = TestHub.start().lfsThreshold(100_000);
  }

  @AfterAll
  static void stopHub() {
    hub.close();
  }

  @Override
  protected StorageProvider provider() {
    return new HfStorageProvider();
  }

  @Override
  protected boolean addressesObjects() {
    return false;
  }

  @Override
  protected BackendFixture newFixture() {
    String prefix = "f" + FIXTURES.incrementAndGet();
    Map<String, byte[]> files = new LinkedHashMap<>();
    return new BackendFixture() {
      @Override
      public void put(String path, byte[] data) {
        files.put(path, data);
      }

      @Override
      public String uri(String path) {
        String name = prefix + (path.isEmpty() ? "" : "_" + path.replace('/', '_'));
        Map<String, TestHub.Content> below = new LinkedHashMap<>();
        String folder = path.isEmpty() ? "" : path + "/";
        files.forEach(
            (p, data) -> {
              if (p.startsWith(folder)) {
                below.put(p.substring(folder.length()), TestHub.bytes(data));
              }
            });
        if (!below.isEmpty()) {
          hub.repo("tck/" + name).commit("main", below);
        }
        return "hf://tck/" + name;
      }

      @Override
      public Map<String, String> environment() {
        return Map.of("HF_ENDPOINT", hub.endpoint());
      }
    };
  }
}
