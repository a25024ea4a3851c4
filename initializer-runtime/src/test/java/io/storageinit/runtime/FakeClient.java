package io.storageinit.runtime;

import io.storageinit.api.Capability;
import io.storageinit.api.Listing;
import io.storageinit.api.RemoteObject;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory client with fault injection, for the engine's pure logic. */
class FakeClient implements StorageClient {
  final Map<String, byte[]> objects = new ConcurrentHashMap<>();
  final List<long[]> reads = new CopyOnWriteArrayList<>();
  final AtomicInteger failuresLeft = new AtomicInteger();
  volatile StorageException failure;
  final AtomicInteger cutsLeft = new AtomicInteger();
  volatile int cutAfter;
  final Set<Capability> capabilities;

  FakeClient(boolean ranged) {
    capabilities = ranged ? EnumSet.of(Capability.RANGED_READS) : EnumSet.noneOf(Capability.class);
  }

  RemoteObject object(String path) {
    return RemoteObject.builder(path, path).size(objects.get(path).length).build();
  }

  @Override
  public Listing list(String uri) {
    return Listing.ofTree(objects.keySet().stream().sorted().map(this::object).toList());
  }

  @Override
  public InputStream read(RemoteObject object, long offset, long length) {
    reads.add(new long[] {offset, length});
    if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw failure;
    }
    if ((offset > 0 || length >= 0) && !capabilities.contains(Capability.RANGED_READS)) {
      throw StorageException.unsupported("no ranges");
    }
    byte[] data = objects.get(object.key());
    int from = (int) offset;
    int to = length < 0 ? data.length : (int) Math.min(data.length, offset + length);
    InputStream in = new ByteArrayInputStream(data, from, to - from);
    if (cutsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      int limit = cutAfter;
      return new InputStream() {
        int sent;

        @Override
        public int read() throws IOException {
          if (sent >= limit) {
            throw new IOException("connection reset");
          }
          sent++;
          return in.read();
        }
      };
    }
    return in;
  }

  @Override
  public Set<Capability> capabilities() {
    return capabilities;
  }

  @Override
  public void close() {}
}
