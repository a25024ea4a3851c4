package io.storageinit.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.storageinit.api.StorageClient;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;

/** The wrapper must pass every client method to the plugin, default methods included. */
class IsolatedClientTest {
  @Test
  void everyClientMethodIsDelegated() throws Exception {
    for (Method m : StorageClient.class.getMethods()) {
      if (Modifier.isStatic(m.getModifiers())) {
        continue;
      }
      Method own = IsolatedClient.class.getMethod(m.getName(), m.getParameterTypes());
      assertThat(own.getDeclaringClass()).as(m.getName()).isEqualTo(IsolatedClient.class);
    }
  }
}
