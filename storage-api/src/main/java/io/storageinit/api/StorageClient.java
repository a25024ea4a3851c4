package io.storageinit.api;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Consumer;

/**
 * An open connection to one storage backend, created by {@link StorageProvider#open}. It holds the
 * expensive state (SDK clients, connection pools, a Kerberos login) and is closed by the runtime
 * when the run ends.
 *
 * <p>Implementations must be thread-safe: the runtime calls {@link #read} from several threads at
 * once, for different objects and for different ranges of one object.
 *
 * @since 0.1
 */
public interface StorageClient extends AutoCloseable {

  /**
   * Lists what {@code uri} denotes: one object, or every object of a tree with paths relative to
   * the tree's root. Objects whose key ends in {@code /} (folder markers) are left out; empty
   * objects are kept.
   *
   * @param uri a URI this client's provider {@linkplain StorageProvider#supports supports}; not
   *     null
   * @return the listing; never null; an empty tree when a prefix holds nothing
   * @throws StorageException {@code NOT_FOUND} when nothing exists at the URI, {@code INVALID_URI},
   *     {@code UNAUTHENTICATED}, {@code PERMISSION_DENIED}, {@code TRANSIENT} as they apply
   */
  Listing list(String uri);

  /**
   * Lists like {@link #list(String)}, and for a tree may also hand the objects over page by page as
   * the store returns them, each page before the next is asked for, so that the runtime starts
   * transfers while a long listing goes on. A client that calls {@code pages} hands over every
   * object of the tree exactly once, in the listing's order, and never for an exact object; the
   * returned listing holds the same objects either way. The runtime's {@code pages} does not throw
   * and returns quickly.
   *
   * <p>The default lists with {@link #list(String)} and hands nothing over; the runtime then starts
   * after the listing.
   *
   * @param uri as for {@link #list(String)}
   * @param pages receives each page's objects; not null
   * @return the listing, as {@link #list(String)} returns it
   * @since 0.3
   */
  default Listing list(String uri, Consumer<List<RemoteObject>> pages) {
    return list(uri);
  }

  /**
   * Opens a stream over bytes {@code [offset, offset + length)} of an object this client listed.
   * The caller closes the stream. A stream that ends early (fewer bytes than asked) is treated by
   * the runtime as a transient failure and resumed.
   *
   * <p>A stream that also implements {@link java.nio.channels.ReadableByteChannel} is read through
   * that channel, into direct buffers that go to the file as they are: a client reading from a
   * socket channel saves two copies of every byte into and out of the Java heap (since 0.3).
   *
   * @param object an object from this client's {@link #list}; not null
   * @param offset the first byte, {@code >= 0}
   * @param length how many bytes, or {@code -1} for everything from {@code offset} to the end
   * @return a stream over the bytes; never null
   * @throws StorageException {@code UNSUPPORTED} when {@code offset > 0} or {@code length != -1}
   *     and the client lacks {@link Capability#RANGED_READS}; {@code NOT_FOUND} when the object
   *     vanished; {@code TRANSIENT} for failures worth retrying
   */
  InputStream read(RemoteObject object, long offset, long length);

  /**
   * Checks a downloaded object against a checksum of the store's own kind, one that {@link
   * Checksum} cannot express (HDFS's block-wise CRCs, multipart ETags). The runtime calls it from
   * its worker threads after the transfer and its own size and {@link RemoteObject#checksum()}
   * checks, before {@code file} gets its final name; the file is complete and closed. The default
   * checks nothing.
   *
   * @param object the object as listed
   * @param file the downloaded bytes, under a temporary name; read it, never move or change it
   * @throws StorageException {@code INTEGRITY} when the file does not match (the runtime then
   *     deletes it), {@code TRANSIENT} when the store could not be asked
   * @since 0.2
   */
  default void verify(RemoteObject object, Path file) {}

  /**
   * Returns a bound the user set on parallel streams for this store (KServe's {@code N_THREADS} for
   * HDFS, {@code S3_MAX_FILE_CONCURRENCY} for S3); the runtime then opens at most that many at
   * once. Empty (the default) leaves the runtime's own bound.
   *
   * @since 0.2
   */
  default OptionalInt concurrencyLimit() {
    return OptionalInt.empty();
  }

  /**
   * Returns what tells the store this client reads from apart from every other store that could
   * answer the same URI: the endpoint, region, account or NameNode it talks to, and the trust it
   * places in that endpoint (a CA bundle by its content, TLS verification off, a proxy). The
   * runtime's node cache ({@code STORAGE_CACHE_DIR}) keys its entries by it together with the URI
   * and the listing, so a pod that points the same URI at a server of its own can never plant bytes
   * another pod takes for the real store's. The runtime hashes it and never logs it; it should hold
   * no secret all the same. The storage kit's {@code StoreIdentity} builds one.
   *
   * <p>Empty (the default) means the client cannot say which store it reads: the runtime then
   * fetches without the node cache.
   *
   * @since 0.4
   */
  default Optional<String> storeIdentity() {
    return Optional.empty();
  }

  /** Returns the capabilities this client promises; never null. */
  Set<Capability> capabilities();

  /** Releases the client's resources. Idempotent; never throws. */
  @Override
  void close();
}
