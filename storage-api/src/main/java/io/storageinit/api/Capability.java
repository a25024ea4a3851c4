package io.storageinit.api;

/**
 * What a {@link StorageClient} can do beyond listing and reading whole objects. A declared
 * capability is a promise that the TCK checks; a client that does not declare one must fail the
 * matching calls with {@link StorageException.Kind#UNSUPPORTED}.
 *
 * @since 0.1
 */
public enum Capability {
  /**
   * {@link StorageClient#read(RemoteObject, long, long)} serves any byte range, so the runtime may
   * fetch one object in parallel ranges and resume an interrupted transfer where it stopped. An
   * individual object may still opt out with {@link RemoteObject#rangedReads()}.
   */
  RANGED_READS,
  /**
   * Listed objects carry a {@link RemoteObject#localPath()}: the data is already on a local file
   * system, so the runtime may link or copy it instead of streaming it.
   */
  LOCAL_PATHS,
  /**
   * A URI may denote a tree (a prefix, a directory) whose objects {@link StorageClient#list}
   * returns with paths relative to it. Without it every URI denotes at most one object, as over
   * HTTP.
   */
  TREES
}
