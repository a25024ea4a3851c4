package io.storageinit.pvc;

import io.storageinit.api.Capability;
import io.storageinit.api.Listing;
import io.storageinit.api.RemoteObject;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Lists and reads files under a local root. Stateless apart from the PVC mount root, so it is
 * thread-safe.
 */
final class LocalStorageClient implements StorageClient {
  private final Path pvcRoot;

  LocalStorageClient(Path pvcRoot) {
    this.pvcRoot = pvcRoot;
  }

  /** Maps a URI to the local path it denotes, the way KServe's webhook and initializer do. */
  Path resolve(String uri) {
    if (uri.startsWith("pvc://")) {
      String rest = uri.substring("pvc://".length());
      int slash = rest.indexOf('/');
      if (rest.isEmpty() || slash == 0) {
        throw new StorageException(
            Kind.INVALID_URI,
            "pvc URI '" + uri + "' names no claim; use pvc://<claim-name>/<path-in-claim>");
      }
      String inClaim = slash < 0 ? "" : rest.substring(slash + 1);
      return pvcRoot.resolve(inClaim);
    }
    if (uri.startsWith("file://")) {
      // KServe strips the prefix: file:///abs is absolute, file://rel is relative to the work dir.
      return Path.of(uri.substring("file://".length()));
    }
    return Path.of(uri);
  }

  @Override
  public Listing list(String uri) {
    Path root = resolve(uri);
    if (!Files.exists(root)) {
      throw StorageException.notFound(
          "Local path "
              + root
              + " (from "
              + uri
              + ") does not exist; check the volume is mounted and the path is right");
    }
    try {
      if (!Files.isDirectory(root)) {
        return Listing.ofObject(object(root, fileName(root)));
      }
      List<RemoteObject> objects = new ArrayList<>();
      try (Stream<Path> top = Files.list(root)) {
        // Like KServe's glob("<dir>/*"): hidden top-level entries are not part of the model.
        for (Path entry : top.filter(p -> !fileName(p).startsWith(".")).sorted().toList()) {
          try (Stream<Path> walk =
              Files.walk(entry, FileVisitOption.FOLLOW_LINKS).filter(Files::isRegularFile)) {
            for (Path file : walk.sorted().toList()) {
              objects.add(object(file, relative(root, file)));
            }
          }
        }
      }
      return Listing.ofTree(objects);
    } catch (IOException e) {
      throw new StorageException(kindOf(e), "Cannot list " + root + ": " + e, e);
    }
  }

  private static Kind kindOf(IOException e) {
    return e instanceof java.nio.file.AccessDeniedException
        ? Kind.PERMISSION_DENIED
        : Kind.INTERNAL;
  }

  private static String fileName(Path p) {
    Path name = p.getFileName();
    return name == null ? p.toString() : name.toString();
  }

  private static String relative(Path root, Path file) {
    return root.relativize(file).toString().replace(java.io.File.separatorChar, '/');
  }

  private static RemoteObject object(Path file, String path) throws IOException {
    BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
    return RemoteObject.builder(file.toAbsolutePath().toString(), path)
        .size(attrs.size())
        .lastModified(attrs.lastModifiedTime().toInstant())
        .version(attrs.size() + "-" + attrs.lastModifiedTime().toMillis())
        .localPath(file.toAbsolutePath())
        .build();
  }

  @Override
  public InputStream read(RemoteObject object, long offset, long length) {
    Path file = Path.of(object.key());
    try {
      FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
      channel.position(offset);
      InputStream in = Channels.newInputStream(channel);
      return length < 0 ? in : new BoundedInputStream(in, length);
    } catch (java.nio.file.NoSuchFileException e) {
      throw StorageException.notFound("Local file " + file + " vanished during the transfer");
    } catch (IOException e) {
      throw new StorageException(kindOf(e), "Cannot read " + file + ": " + e, e);
    }
  }

  @Override
  public Set<Capability> capabilities() {
    return EnumSet.of(Capability.RANGED_READS, Capability.LOCAL_PATHS, Capability.TREES);
  }

  @Override
  public void close() {}

  /** Ends a stream after a fixed number of bytes. */
  private static final class BoundedInputStream extends java.io.FilterInputStream {
    private long remaining;

    BoundedInputStream(InputStream in, long limit) {
      super(in);
      this.remaining = limit;
    }

    @Override
    public int read() throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int b = super.read();
      if (b >= 0) {
        remaining--;
      }
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = super.read(buf, off, (int) Math.min(len, remaining));
      if (n > 0) {
        remaining -= n;
      }
      return n;
    }
  }
}
