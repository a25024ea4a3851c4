package io.storageinit.runtime;

import io.storageinit.api.StorageException;

/**
 * The process exit codes. 0 is success and every failure is non-zero, as KServe's contract asks;
 * the value tells operators which kind of failure it was.
 */
enum ExitCode {
  OK(0),
  /** Wrong command line, or a failure that fits no other kind. */
  USAGE_OR_INTERNAL(1),
  /** The URI or the configuration is wrong: fix the InferenceService or the secret. */
  INVALID_INPUT(2),
  /** The store refused the credentials or the access. */
  ACCESS(3),
  /** Nothing exists at the URI. */
  NOT_FOUND(4),
  /** Retries were exhausted on a transient failure: Kubernetes restarting the pod may help. */
  TRANSIENT(5),
  /** A size, checksum, archive or validation check failed. */
  INTEGRITY(6),
  /** The provider or object cannot do what was asked. */
  UNSUPPORTED(7),
  /** The destination's (or the cache's) file system has no room for the model. */
  NO_SPACE(8),
  /** The JVM ran out of memory: raise the container's memory limit or lower the concurrency. */
  OUT_OF_MEMORY(9);

  final int code;

  ExitCode(int code) {
    this.code = code;
  }

  static ExitCode of(StorageException.Kind kind) {
    return switch (kind) {
      case INVALID_URI, INVALID_CONFIG -> INVALID_INPUT;
      case UNAUTHENTICATED, PERMISSION_DENIED -> ACCESS;
      case NOT_FOUND -> NOT_FOUND;
      case TRANSIENT -> TRANSIENT;
      case INTEGRITY -> INTEGRITY;
      case UNSUPPORTED -> UNSUPPORTED;
      case INTERNAL -> USAGE_OR_INTERNAL;
      case NO_SPACE -> NO_SPACE;
    };
  }
}
