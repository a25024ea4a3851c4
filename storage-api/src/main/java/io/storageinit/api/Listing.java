package io.storageinit.api;

import java.util.List;
import java.util.Objects;

/**
 * What a URI denotes: either exactly one object (the URI named it), or the objects of a tree (a
 * prefix or a directory). Immutable and thread-safe.
 *
 * <p>The difference matters: KServe applies allow/ignore patterns to a tree but never to an exact
 * object, and a single archive is unpacked either way.
 *
 * @since 0.1
 */
public final class Listing {
  private final List<RemoteObject> objects;
  private final boolean singleObject;

  private Listing(List<RemoteObject> objects, boolean singleObject) {
    this.objects = List.copyOf(Objects.requireNonNull(objects, "objects"));
    this.singleObject = singleObject;
  }

  /** Returns a listing of the one object the URI named exactly. */
  public static Listing ofObject(RemoteObject object) {
    return new Listing(List.of(Objects.requireNonNull(object, "object")), true);
  }

  /** Returns a listing of the objects under a prefix or directory; may be empty. */
  public static Listing ofTree(List<RemoteObject> objects) {
    return new Listing(objects, false);
  }

  /** Returns the objects, in the order the store gave them; never null. */
  public List<RemoteObject> objects() {
    return objects;
  }

  /** Returns true when the URI named exactly one object rather than a tree. */
  public boolean singleObject() {
    return singleObject;
  }
}
