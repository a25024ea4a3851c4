package io.storageinit.runtime;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.exporter.pushgateway.PushGateway;
import io.storageinit.api.Finding;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run's metrics, in Micrometer: files, bytes, retries and cache hits per provider and scheme,
 * download time, validation findings. At exit they can be written as a Prometheus text file ({@code
 * STORAGE_METRICS_FILE}, for a node exporter's textfile collector) and pushed to a Pushgateway
 * ({@code STORAGE_METRICS_PUSHGATEWAY}, {@code host:port} or a URL). Export failures are logged,
 * never fatal: the model is in place either way.
 */
final class Metrics {
  private static final Logger LOG = LoggerFactory.getLogger(Metrics.class);
  static final String PREFIX = "storage_initializer";

  /** Null when no export is configured: then recording costs nothing, not even start-up. */
  private final PrometheusMeterRegistry registry;

  Metrics(Map<String, String> env) {
    boolean wanted =
        !env.getOrDefault("STORAGE_METRICS_FILE", "").isBlank()
            || !env.getOrDefault("STORAGE_METRICS_PUSHGATEWAY", "").isBlank();
    this.registry = wanted ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) : null;
  }

  /** Records one SRC/DEST pair from the counters' change over it. */
  void download(
      String provider,
      String scheme,
      TransferStats before,
      TransferStats after,
      Duration took,
      String outcome) {
    if (registry == null) {
      return;
    }
    String[] tags = {"provider", provider, "scheme", scheme};
    count("files", after.filesDone.get() - before.filesDone.get(), tags);
    count("bytes", after.bytesTransferred.get() - before.bytesTransferred.get(), tags);
    count("reused_files", after.filesReused.get() - before.filesReused.get(), tags);
    count("retries", after.retries.get() - before.retries.get(), tags);
    count("cache_hits", after.cacheHits.get() - before.cacheHits.get(), tags);
    count("cache_misses", after.cacheMisses.get() - before.cacheMisses.get(), tags);
    Timer.builder(PREFIX + ".download")
        .description("Time to place one model in its destination")
        .tags(tags)
        .tag("outcome", outcome)
        .register(registry)
        .record(took);
  }

  void finding(String validator, Finding.Severity severity) {
    if (registry == null) {
      return;
    }
    Counter.builder(PREFIX + ".validation.findings")
        .tags(
            "validator", validator, "severity", severity.name().toLowerCase(java.util.Locale.ROOT))
        .register(registry)
        .increment();
  }

  private void count(String name, long delta, String... tags) {
    Counter c = Counter.builder(PREFIX + "." + name).tags(tags).register(registry);
    if (delta > 0) {
      c.increment(delta);
    }
  }

  String scrape() {
    return registry.scrape();
  }

  /** Writes and pushes, as configured. */
  void export(Map<String, String> env) {
    if (registry == null) {
      return;
    }
    Optional.ofNullable(env.get("STORAGE_METRICS_FILE"))
        .filter(s -> !s.isBlank())
        .map(Path::of)
        .ifPresent(this::write);
    Optional.ofNullable(env.get("STORAGE_METRICS_PUSHGATEWAY"))
        .filter(s -> !s.isBlank())
        .ifPresent(gw -> push(gw, env.getOrDefault("HOSTNAME", "unknown")));
  }

  private void write(Path file) {
    try {
      // Whole or nothing: the collector may read at any moment.
      Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
      Files.writeString(tmp, scrape(), StandardCharsets.UTF_8);
      TransferEngine.moveIntoPlace(tmp, file);
    } catch (IOException e) {
      LOG.warn("cannot write metrics to {}: {}", file, e.toString());
    }
  }

  private void push(String gateway, String instance) {
    try {
      String address = gateway.replaceFirst("^https?://", "").replaceFirst("/+$", "");
      PushGateway.Builder push =
          PushGateway.builder().address(address).job(PREFIX).groupingKey("instance", instance);
      if (gateway.startsWith("https://")) {
        push.scheme(io.prometheus.metrics.exporter.pushgateway.Scheme.HTTPS);
      }
      push.registry(registry.getPrometheusRegistry()).build().push();
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot push metrics to the Pushgateway {}: {}", gateway, e.toString());
    }
  }
}
