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
}
