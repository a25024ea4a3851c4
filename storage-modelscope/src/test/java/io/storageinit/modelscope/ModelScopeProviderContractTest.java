package io.storageinit.modelscope;

import io.storageinit.api.StorageProvider;
import io.storageinit.tck.BackendFixture;
import io.storageinit.tck.StorageProviderContract;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The TCK against the modelscope provider and the test hub, one repository per path asked about.
 */
class ModelScopeProviderContractTest extends StorageProviderContract {
  static TestModelScope hub;
  static final AtomicInteger FIXTURES = new AtomicInteger();

  @BeforeAll
  static void startHub() throws Exception {
    hub = TestModelScope.start();
  }

  @AfterAll
  static void stopHub() {
    hub.close();
  }

  @Override
  protected StorageProvider provider() {
    return new ModelScopeStorageProvider();
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
        Map<String, byte[]> below = new LinkedHashMap<>();
        String folder = path.isEmpty() ? "" : path + "/";
        files.forEach(
            (p, data) -> {
              if (p.startsWith(folder)) {
                below.put(p.substring(folder.length()), data);
              }
            });
        if (!below.isEmpty()) {
          hub.repo("tck/" + name).commit("master", below);
        }
        return "modelscope://tck/" + name;
      }

      @Override
      public Map<String, String> environment() {
        return Map.of("MODELSCOPE_ENDPOINT", hub.endpoint());
      }
    };
  }
}
