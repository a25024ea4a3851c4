package io.storageinit.runtime;

import io.storageinit.api.Capability;
import io.storageinit.api.RemoteObject;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Before a node-cache hit is handed to a pod, the pod shows it could have read every object itself:
 * one read of the first byte of each (the whole, empty body of an empty one), with the pod's own
 * credentials, in parallel. Listing proves nothing: a store may let a pod list objects it may not
 * read, and the cache must not give it what the store would refuse.
 */
final class CacheAccess {
  private static final Logger LOG = LoggerFactory.getLogger(CacheAccess.class);

  private CacheAccess() {}

  /**
   * Reads one byte of each object, at most {@code streams} at a time, retrying what is worth a
   * retry.
   *
   * @throws StorageException the store's refusal of the first object the pod may not read
   */
  static void prove(
      StorageClient client, List<RemoteObject> objects, int streams, Retrier retrier) {
    boolean ranged = client.capabilities().contains(Capability.RANGED_READS);
    long started = System.nanoTime();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.max(1, Math.min(streams, objects.size())),
            r -> {
              Thread t = new Thread(r, "cache-access");
              t.setDaemon(true);
              return t;
            });
    try {
      List<CompletableFuture<Void>> all = new ArrayList<>(objects.size());
      for (RemoteObject o : objects) {
        all.add(CompletableFuture.runAsync(() -> readFirstByte(client, o, ranged, retrier), pool));
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof StorageException se) {
        throw se;
      }
      throw new StorageException(
          Kind.INTERNAL, "Checking access to the cached objects failed: " + e.getCause(), e);
    } finally {
      pool.shutdownNow();
    }
    LOG.info(
        "cache: the store let this pod read each of the {} objects ({} ms)",
        objects.size(),
        (System.nanoTime() - started) / 1_000_000);
  }

  private static void readFirstByte(
      StorageClient client, RemoteObject o, boolean ranged, Retrier retrier) {
    for (int attempt = 1; ; attempt++) {
      try (InputStream in =
          ranged && o.rangedReads() && o.size() > 0
              ? client.read(o, 0, 1)
              : client.read(o, 0, -1)) {
        in.read();
        return;
      } catch (StorageException e) {
        if (!e.retryable() || attempt >= retrier.maxAttempts()) {
          throw e;
        }
        pause(retrier, attempt, e);
      } catch (IOException e) {
        if (attempt >= retrier.maxAttempts()) {
          throw StorageException.transientFailure(
              "Cannot read " + o.path() + " to check access to the cached copy: " + e, e);
        }
        pause(retrier, attempt, null);
      }
    }
  }

  private static void pause(Retrier retrier, int attempt, StorageException e) {
    try {
      retrier.pause(attempt, e == null ? null : e.retryAfter().orElse(null));
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw new StorageException(Kind.INTERNAL, "interrupted", ie);
    }
  }
}
