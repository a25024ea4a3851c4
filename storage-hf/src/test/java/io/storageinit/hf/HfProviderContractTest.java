package io.storageinit.hf;

import io.storageinit.api.StorageProvider;
import io.storageinit.tck.BackendFixture;
import io.storageinit.tck.StorageProviderContract;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Runs the TCK against the hf provider and the test hub. A hub URI names a whole repository, so the
 * fixture makes, for each path the TCK asks about, a repository of what lies below it.
 */
class HfProviderContractTest extends StorageProviderContract {
  static TestHub hub;

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
    return BackendFixture.ofRepositories(
        (name, files) -> {
          if (!files.isEmpty()) {
            Map<String, TestHub.Content> contents = new LinkedHashMap<>();
            files.forEach((p, data) -> contents.put(p, TestHub.bytes(data)));
            hub.repo("tck/" + name).commit("main", contents);
          }
          return "hf://tck/" + name;
        },
        Map.of("HF_ENDPOINT", hub.endpoint()));
  }
}
