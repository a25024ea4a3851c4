package io.storageinit.pvc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.storageinit.api.RemoteObject;
import io.storageinit.api.StorageException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStorageClientTest {
  @TempDir Path dir;

  @Test
  void pvcUrisMapBelowTheMountRootWithoutTheClaimName() {
    LocalStorageClient client = new LocalStorageClient(Path.of("/mnt/pvc"));
    assertThat(client.resolve("pvc://claim/models/v1")).isEqualTo(Path.of("/mnt/pvc/models/v1"));
    assertThat(client.resolve("pvc://claim")).isEqualTo(Path.of("/mnt/pvc"));
    assertThat(client.resolve("file:///srv/m")).isEqualTo(Path.of("/srv/m"));
  }

  @Test
  void aPvcUriWithoutAClaimIsRefused() {
    LocalStorageClient client = new LocalStorageClient(Path.of("/mnt/pvc"));
    assertThatThrownBy(() -> client.resolve("pvc:///models"))
        .isInstanceOfSatisfying(
            StorageException.class,
            e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.INVALID_URI))
        .hasMessageContaining("pvc://<claim-name>");
  }

  @Test
  void hiddenTopLevelEntriesAreNotPartOfTheModelButHiddenNestedFilesAre() throws Exception {
    Files.writeString(dir.resolve(".hidden"), "x");
    Files.createDirectories(dir.resolve("sub"));
    Files.writeString(dir.resolve("sub/.keep"), "y");
    Files.writeString(dir.resolve("model.pt"), "z");
    var paths =
        new LocalStorageClient(dir)
            .list(dir.toString()).objects().stream().map(RemoteObject::path).toList();
    assertThat(paths).containsExactly("model.pt", "sub/.keep");
  }

  @Test
  void theUriIsNotAPrefixOfSiblingNames() throws Exception {
    Files.createDirectories(dir.resolve("v1"));
    Files.createDirectories(dir.resolve("v10"));
    Files.writeString(dir.resolve("v1/a"), "a");
    Files.writeString(dir.resolve("v10/b"), "b");
    assertThat(new LocalStorageClient(dir).list(dir.resolve("v1").toString()).objects())
        .extracting(RemoteObject::path)
        .containsExactly("a");
  }
}
