package com.example.demo;

import io.storageinit.api.Capability;
import io.storageinit.api.Listing;
import io.storageinit.api.ProviderContext;
import io.storageinit.api.RemoteObject;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A read-only catalog of models in a folder: {@code demo://<path>} is {@code $DEMO_CATALOG/<path>}.
 * It declares trees but not ranged reads, so the runtime streams each file whole.
 */
@StorageProvider.Descriptor(name = "demo", schemes = "demo")
public final class DemoStorageProvider implements StorageProvider {

  @Override
  public StorageClient open(ProviderContext context) {
    Path catalog =
        context.env("DEMO_CATALOG").map(Path::of).orElseThrow(() -> new StorageException(
            StorageException.Kind.INVALID_CONFIG, "Set DEMO_CATALOG to the folder that holds the demo models"));
    return new Client(catalog);
  }

  private static final class Client implements StorageClient {
    private final Path catalog;

    Client(Path catalog) {
      this.catalog = catalog;
    }

    @Override
    public Listing list(String uri) {
      String rel = uri.substring("demo://".length());
      Path root = catalog.resolve(rel).normalize();
      if (!root.startsWith(catalog) || !Files.exists(root)) {
        throw StorageException.notFound("No demo model at " + uri + " (catalog " + catalog + ")");
      }
      if (Files.isRegularFile(root)) {
        return Listing.ofObject(object(root, root.getFileName().toString()));
      }
      try (Stream<Path> files = Files.walk(root)) {
        return Listing.ofTree(
            files.filter(Files::isRegularFile).sorted()
                .map(f -> object(f, root.relativize(f).toString().replace('\\', '/')))
                .toList());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static RemoteObject object(Path file, String path) {
      try {
        return RemoteObject.builder(file.toString(), path).size(Files.size(file)).build();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public InputStream read(RemoteObject object, long offset, long length) {
      if (offset != 0 || length != -1) {
        throw StorageException.unsupported("the demo catalog serves whole files only");
      }
      try {
        return Files.newInputStream(Path.of(object.key()));
      } catch (NoSuchFileException e) {
        throw StorageException.notFound(object.key() + " vanished");
      } catch (IOException e) {
        throw StorageException.transientFailure("cannot read " + object.key(), e);
      }
    }

    @Override
    public Set<Capability> capabilities() {
      return EnumSet.of(Capability.TREES);
    }

    @Override
    public void close() {}
  }
}
