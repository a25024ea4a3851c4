package io.storageinit.runtime;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Backoff between attempts: exponential with jitter, or the delay the server asked for. Sleeping
 * goes through a {@link Sleeper} so tests need not wait.
 */
final class Retrier {

  /** Waits; tests substitute one that records instead of sleeping. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(Duration d) throws InterruptedException;

    Sleeper REAL = d -> Thread.sleep(d.toMillis());
  }

  /** The longest server-requested delay honoured; longer requests are cut to this. */
  static final Duration MAX_SERVER_DELAY = Duration.ofSeconds(60);

  private final int maxAttempts;
  private final Duration initial;
  private final Duration max;
  private final Sleeper sleeper;

  Retrier(int maxAttempts, Duration initial, Duration max, Sleeper sleeper) {
    this.maxAttempts = maxAttempts;
    this.initial = initial;
    this.max = max;
    this.sleeper = sleeper;
  }

  int maxAttempts() {
    return maxAttempts;
  }

  /**
   * The delay before attempt {@code attempt + 1} (attempts count from 1): half the exponential step
   * fixed, half random, so a crowd of pods does not retry in lock-step.
   */
  Duration delay(int attempt, Duration serverAsked) {
    if (serverAsked != null) {
      return serverAsked.compareTo(MAX_SERVER_DELAY) > 0 ? MAX_SERVER_DELAY : serverAsked;
    }
    long cap = max.toMillis();
    long step = initial.toMillis() << Math.min(attempt - 1, 30);
    long ceiling = Math.max(0, Math.min(cap, step));
    long half = ceiling / 2;
    return Duration.ofMillis(
        half
            + (ceiling - half == 0 ? 0 : ThreadLocalRandom.current().nextLong(ceiling - half + 1)));
  }

  void pause(int attempt, Duration serverAsked) throws InterruptedException {
    sleeper.sleep(delay(attempt, serverAsked));
  }
}
