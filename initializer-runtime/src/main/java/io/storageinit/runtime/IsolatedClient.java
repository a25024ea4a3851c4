package io.storageinit.runtime;

import io.storageinit.api.Capability;
import io.storageinit.api.Listing;
import io.storageinit.api.RemoteObject;
import io.storageinit.api.StorageClient;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Calls a plugin's client with the plugin's class loader as the thread's context class loader,
 * which Hadoop and the AWS SDK use to find their own classes and services.
 */
final class IsolatedClient implements StorageClient {
  private final StorageClient delegate;
  private final ClassLoader loader;

  IsolatedClient(StorageClient delegate, ClassLoader loader) {
    this.delegate = delegate;
    this.loader = loader;
  }

  @Override
  public Listing list(String uri) {
    return PluginRegistry.withContextLoader(loader, () -> delegate.list(uri));
  }

  @Override
  public Listing list(String uri, Consumer<List<RemoteObject>> pages) {
    return PluginRegistry.withContextLoader(loader, () -> delegate.list(uri, pages));
  }

  @Override
  public InputStream read(RemoteObject object, long offset, long length) {
    return PluginRegistry.withContextLoader(loader, () -> delegate.read(object, offset, length));
  }

  @Override
  public void verify(RemoteObject object, Path file) {
    PluginRegistry.withContextLoader(
        loader,
        () -> {
          delegate.verify(object, file);
          return null;
        });
  }

  @Override
  public OptionalInt concurrencyLimit() {
    return delegate.concurrencyLimit();
  }

  @Override
  public java.util.Optional<String> storeIdentity() {
    return PluginRegistry.withContextLoader(loader, delegate::storeIdentity);
  }

  @Override
  public Set<Capability> capabilities() {
    return delegate.capabilities();
  }

  @Override
  public void close() {
    PluginRegistry.withContextLoader(
        loader,
        () -> {
          delegate.close();
          return null;
        });
  }
}
