package io.storageinit.api;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One object a URI denotes: a file to place under the destination directory. Immutable and
 * thread-safe; built with {@link #builder(String, String)}.
 *
 * <p>{@link #path()} is where the object lands, relative to the destination, with {@code /} between
 * segments. The runtime refuses paths that are absolute, empty, or contain {@code .} or {@code ..}
 * segments, so a hostile listing can never write outside the destination.
 *
 * @since 0.1
 */
public final class RemoteObject {
  private final String key;
  private final String path;
  private final long size;
  private final String version;
  private final Instant lastModified;
  private final Checksum checksum;
  private final String contentType;
  private final Path localPath;
  private final boolean rangedReads;

  private RemoteObject(Builder b) {
    this.key = b.key;
    this.path = b.path;
    this.size = b.size;
    this.version = b.version;
    this.lastModified = b.lastModified;
    this.checksum = b.checksum;
    this.contentType = b.contentType;
    this.localPath = b.localPath;
    this.rangedReads = b.rangedReads;
  }

  /**
   * Starts a builder.
   *
   * @param key the provider's own identifier of the object (an S3 key, an HDFS path, a URL); the
   *     runtime hands it back to {@link StorageClient#read} untouched; not null
   * @param path where the object lands relative to the destination, {@code /}-separated; not null
   */
  public static Builder builder(String key, String path) {
    return new Builder(key, path);
  }

  /** Returns the provider's identifier of the object; never null. */
  public String key() {
    return key;
  }

  /** Returns the destination-relative path, {@code /}-separated; never null. */
  public String path() {
    return path;
  }

  /** Returns the size in bytes, or {@code -1} when the store does not say. */
  public long size() {
    return size;
  }

  /**
   * Returns what identifies this version of the object (ETag, version id, modification stamp), used
   * to tell a changed object from an unchanged one.
   */
  public Optional<String> version() {
    return Optional.ofNullable(version);
  }

  /** Returns when the object was last modified, if the store says. */
  public Optional<Instant> lastModified() {
    return Optional.ofNullable(lastModified);
  }

  /** Returns a checksum of the whole object the runtime should verify, if the store knows one. */
  public Optional<Checksum> checksum() {
    return Optional.ofNullable(checksum);
  }

  /** Returns the media type the store reports (HTTP {@code Content-Type}), if any. */
  public Optional<String> contentType() {
    return Optional.ofNullable(contentType);
  }

  /**
   * Returns the object's path on a local file system, set by clients with {@link
   * Capability#LOCAL_PATHS}.
   */
  public Optional<Path> localPath() {
    return Optional.ofNullable(localPath);
  }

  /**
   * Returns whether this object may be read in ranges. Meaningful only when the client declares
   * {@link Capability#RANGED_READS}; a provider clears it for an object it knows cannot be ranged
   * (an HTTP server that does not answer {@code Accept-Ranges: bytes}).
   */
  public boolean rangedReads() {
    return rangedReads;
  }

  @Override
  public String toString() {
    return "RemoteObject{path=" + path + ", size=" + size + ", version=" + version + "}";
  }

  /** Builds a {@link RemoteObject}. Not thread-safe. */
  public static final class Builder {
    private final String key;
    private final String path;
    private long size = -1;
    private String version;
    private Instant lastModified;
    private Checksum checksum;
    private String contentType;
    private Path localPath;
    private boolean rangedReads = true;

    private Builder(String key, String path) {
      this.key = Objects.requireNonNull(key, "key");
      this.path = Objects.requireNonNull(path, "path");
    }

    /** Sets the size in bytes; {@code -1} (the default) means unknown. */
    public Builder size(long size) {
      if (size < -1) {
        throw new IllegalArgumentException("size must be >= -1: " + size);
      }
      this.size = size;
      return this;
    }

    /** Sets the version identifier (ETag, version id); null for none. */
    public Builder version(String version) {
      this.version = version;
      return this;
    }

    /** Sets the modification time; null for unknown. */
    public Builder lastModified(Instant lastModified) {
      this.lastModified = lastModified;
      return this;
    }

    /** Sets a checksum of the whole object; null for none. */
    public Builder checksum(Checksum checksum) {
      this.checksum = checksum;
      return this;
    }

    /** Sets the reported media type; null for none. */
    public Builder contentType(String contentType) {
      this.contentType = contentType;
      return this;
    }

    /** Sets the local path of the data (clients with {@link Capability#LOCAL_PATHS}). */
    public Builder localPath(Path localPath) {
      this.localPath = localPath;
      return this;
    }

    /** Sets whether this object may be read in ranges; default true. */
    public Builder rangedReads(boolean rangedReads) {
      this.rangedReads = rangedReads;
      return this;
    }

    /** Returns the object. */
    public RemoteObject build() {
      return new RemoteObject(this);
    }
  }
}
