package io.storageinit.api;

import java.util.Objects;
import java.util.Optional;

/**
 * One thing a {@link ModelValidator} found. Immutable and thread-safe.
 *
 * @since 0.1
 */
public final class Finding {
  /** How bad a finding is. An {@code ERROR} fails the run. */
  public enum Severity {
    INFO,
    WARNING,
    ERROR
  }

  private final Severity severity;
  private final String file;
  private final String message;

  private Finding(Severity severity, String file, String message) {
    this.severity = Objects.requireNonNull(severity, "severity");
    this.file = file;
    this.message = Objects.requireNonNull(message, "message");
  }

  /**
   * Returns a finding.
   *
   * @param severity how bad; not null
   * @param file the model-relative file it concerns, or null for the model as a whole
   * @param message what was found and, for errors, what to do; not null
   */
  public static Finding of(Severity severity, String file, String message) {
    return new Finding(severity, file, message);
  }

  /** Shorthand for an {@link Severity#ERROR}. */
  public static Finding error(String file, String message) {
    return of(Severity.ERROR, file, message);
  }

  /** Shorthand for a {@link Severity#WARNING}. */
  public static Finding warning(String file, String message) {
    return of(Severity.WARNING, file, message);
  }

  /** Returns the severity; never null. */
  public Severity severity() {
    return severity;
  }

  /** Returns the model-relative file this finding concerns, if any. */
  public Optional<String> file() {
    return Optional.ofNullable(file);
  }

  /** Returns the message; never null. */
  public String message() {
    return message;
  }

  @Override
  public String toString() {
    return severity + (file == null ? "" : " " + file) + ": " + message;
  }
}
