package io.storageinit.gcs;

import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import java.util.regex.Pattern;

/**
 * {@code gs://bucket[/path]}: the bucket, and the path without leading or trailing slashes (empty
 * for the bucket's root). Object names are taken as written: Google's tools do not decode them.
 */
record GcsUri(String bucket, String path) {
  // Google's bucket naming rules: 3-63 characters per dot-separated component, 222 in all.
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]");

  static GcsUri parse(String uri) {
    if (!uri.regionMatches(true, 0, "gs://", 0, 5)) {
      throw new StorageException(Kind.INVALID_URI, "Not a gs:// URI: " + uri);
    }
    String rest = uri.substring(5);
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash + 1);
    if (!BUCKET.matcher(bucket).matches()) {
      throw new StorageException(
          Kind.INVALID_URI,
          "'"
              + bucket
              + "' in "
              + uri
              + " is not a bucket name: gs://<bucket>/<path>, the bucket 3 to 222 lower-case"
              + " letters, digits, dots, dashes and underscores");
    }
    while (path.startsWith("/")) {
      path = path.substring(1);
    }
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (path.indexOf('\n') >= 0 || path.indexOf('\r') >= 0) {
      throw new StorageException(Kind.INVALID_URI, "A line break in the object path of " + uri);
    }
    return new GcsUri(bucket, path);
  }

  @Override
  public String toString() {
    return "gs://" + bucket + (path.isEmpty() ? "" : "/" + path);
  }
}
