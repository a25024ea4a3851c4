package io.storageinit.kit;

import java.util.List;
import java.util.Locale;

/**
 * The file names KServe unpacks after a download (Python's {@code tarfile} and {@code zipfile}
 * formats by suffix), shared by the runtime's unpacking and the HTTP plugin's Content-Type rule.
 *
 * @since 0.4
 */
public final class ArchiveNames {
  /** What a name says a file is. */
  public enum Type {
    TAR,
    ZIP
  }

  /** The tar suffixes, longest first: plain, gzip, compress/gzip, bzip2 and xz. */
  public static final List<String> TAR_SUFFIXES =
      List.of(".tar.bz2", ".tar.gz", ".tar.xz", ".tbz2", ".tar", ".tgz", ".taz", ".txz", ".tz");

  private ArchiveNames() {}

  /** The archive type {@code name} (a file name or a URL path) ends in, or null for none. */
  public static Type type(String name) {
    if (name == null) {
      return null;
    }
    String n = name.toLowerCase(Locale.ROOT);
    if (n.endsWith(".zip")) {
      return Type.ZIP;
    }
    for (String suffix : TAR_SUFFIXES) {
      if (n.endsWith(suffix)) {
        return Type.TAR;
      }
    }
    return null;
  }
}
