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

  /** Whether streams are also channels, which the engine reads into direct buffers. */
  volatile boolean channels;

  final AtomicInteger channelReads = new AtomicInteger();

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
      InputStream whole = in;
      in =
          new InputStream() {
            int sent;

            @Override
            public int read() throws IOException {
              if (sent >= limit) {
                throw new IOException("connection reset");
              }
              sent++;
              return whole.read();
            }
          };
    }
    return channels ? new ChannelStream(in) : in;
  }

  /** A stream that is also a channel over the same bytes. */
  private final class ChannelStream extends java.io.FilterInputStream
      implements java.nio.channels.ReadableByteChannel {
    private final java.nio.channels.ReadableByteChannel channel;

    ChannelStream(InputStream in) {
      super(in);
      channel = java.nio.channels.Channels.newChannel(in);
    }

    @Override
    public int read(java.nio.ByteBuffer dst) throws IOException {
      channelReads.incrementAndGet();
      return channel.read(dst);
    }

    @Override
    public boolean isOpen() {
      return true;
    }
  }

  @Override
  public Set<Capability> capabilities() {
    return capabilities;
  }

  @Override
  public void close() {}
}
