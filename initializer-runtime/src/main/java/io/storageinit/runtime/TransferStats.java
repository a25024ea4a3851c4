package io.storageinit.runtime;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Counters of one run, updated by transfer threads and read by the progress reporter. */
final class TransferStats {
  final AtomicLong bytesExpected = new AtomicLong();
  final AtomicLong bytesTransferred = new AtomicLong();
  final AtomicLong bytesReused = new AtomicLong();
  final AtomicInteger filesExpected = new AtomicInteger();
  final AtomicInteger filesDone = new AtomicInteger();
  final AtomicInteger filesReused = new AtomicInteger();
  final AtomicInteger filesLinked = new AtomicInteger();
  final AtomicInteger retries = new AtomicInteger();
  final AtomicInteger cacheHits = new AtomicInteger();
  final AtomicInteger cacheMisses = new AtomicInteger();

  /** A copy of the counters as they are now. */
  TransferStats snapshot() {
    TransferStats s = new TransferStats();
    s.bytesExpected.set(bytesExpected.get());
    s.bytesTransferred.set(bytesTransferred.get());
    s.bytesReused.set(bytesReused.get());
    s.filesExpected.set(filesExpected.get());
    s.filesDone.set(filesDone.get());
    s.filesReused.set(filesReused.get());
    s.filesLinked.set(filesLinked.get());
    s.retries.set(retries.get());
    s.cacheHits.set(cacheHits.get());
    s.cacheMisses.set(cacheMisses.get());
    return s;
  }
}
