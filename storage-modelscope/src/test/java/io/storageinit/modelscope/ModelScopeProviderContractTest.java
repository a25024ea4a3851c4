package io.storageinit.modelscope;

import io.storageinit.api.StorageProvider;
import io.storageinit.tck.BackendFixture;
import io.storageinit.tck.StorageProviderContract;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The TCK against the modelscope provider and the test hub, one repository per path asked about.
 */
class ModelScopeProviderContractTest extends StorageProviderContract {
  static TestModelScope hub;

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
    return BackendFixture.ofRepositories(
        (name, files) -> {
          if (!files.isEmpty()) {
            hub.repo("tck/" + name).commit("master", files);
          }
          return "modelscope://tck/" + name;
        },
        Map.of("MODELSCOPE_ENDPOINT", hub.endpoint()));
  }
}
