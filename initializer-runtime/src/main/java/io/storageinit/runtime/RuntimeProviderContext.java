package io.storageinit.runtime;

import io.storageinit.api.ProviderContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/** The runtime's {@link ProviderContext}: the environment, STORAGE_CONFIG, a private folder. */
final class RuntimeProviderContext implements ProviderContext, AutoCloseable {
  private final Map<String, String> environment;
  private final Map<String, String> storageConfig;
  private final Secrets secrets;
  private Path privateDirectory;

  RuntimeProviderContext(
      Map<String, String> environment, Map<String, String> storageConfig, Secrets secrets) {
    this.environment = Map.copyOf(environment);
    this.storageConfig = storageConfig;
    this.secrets = secrets;
  }

  @Override
  public Map<String, String> environment() {
    return environment;
  }

  @Override
  public Map<String, String> storageConfig() {
    return storageConfig;
  }

  /**
   * Private folders are named by the process that made them: {@code storage-initializer-<pid>-...}.
   */
  static final String PREFIX = "storage-initializer-";

  @Override
  public synchronized Path privateDirectory() {
    if (privateDirectory == null) {
      Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
      removeOrphans(tmp);
      try {
        privateDirectory =
            Files.createTempDirectory(
                tmp,
                PREFIX + ProcessHandle.current().pid() + "-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot create a private temporary folder", e);
      }
      // A SIGTERM (Kubernetes stopping the pod) runs shutdown hooks: decoded secrets go with it.
      Path made = privateDirectory;
      Runtime.getRuntime()
          .addShutdownHook(new Thread(() -> Archives.deleteTree(made), "private-folder-cleanup"));
    }
    return privateDirectory;
  }

  /**
   * Removes the private folders that runs of ours, killed before they could clean up (SIGKILL, an
   * OOM kill), left in {@code tmp}: those of this user whose process is gone.
   */
  static void removeOrphans(Path tmp) {
    try (java.nio.file.DirectoryStream<Path> dirs = Files.newDirectoryStream(tmp, PREFIX + "*")) {
      java.nio.file.attribute.UserPrincipal me = null;
      for (Path d : dirs) {
        String rest = d.getFileName().toString().substring(PREFIX.length());
        int dash = rest.indexOf('-');
        long pid;
        try {
          pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
        } catch (NumberFormatException e) {
          continue; // Not named by a process: not ours to judge.
        }
        if (!Files.isDirectory(d, java.nio.file.LinkOption.NOFOLLOW_LINKS)
            || ProcessHandle.of(pid).isPresent()) {
          continue;
        }
        if (me == null) {
          me =
              tmp.getFileSystem()
                  .getUserPrincipalLookupService()
                  .lookupPrincipalByName(System.getProperty("user.name"));
        }
        if (me.equals(Files.getOwner(d, java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
          Archives.deleteTree(d);
        }
      }
    } catch (IOException | RuntimeException e) {
      // Best effort: a leftover is owner-only, and the next run tries again.
    }
  }

  @Override
  public void registerSecret(String value) {
    secrets.add(value);
  }

  @Override
  public synchronized void close() {
    if (privateDirectory != null) {
      Archives.deleteTree(privateDirectory);
    }
  }
}
