package io.storageinit.azure;

import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An Azure Storage URL as KServe takes it: {@code
 * https://<account>.blob.core.windows.net/<container>/<prefix>} or {@code
 * https://<account>.z<nn>.blob.storage.azure.net/...}, the same with {@code file} for a File share;
 * a query is a SAS. The account is the host's first label; the prefix loses its leading and
 * trailing slashes.
 *
 * @param host the URL's host, lower case
 * @param sas the query (a SAS token), without {@code ?}; empty when none
 */
record AzureUri(
    Service service,
    String host,
    String account,
    String container,
    String path,
    Optional<String> sas) {

  /** The two services KServe serves. */
  enum Service {
    BLOB("blob", "container"),
    FILE("file", "share");

    final String host;
    final String holder;

    Service(String host, String holder) {
      this.host = host;
      this.holder = holder;
    }
  }

  /** KServe's routing: an unanchored search, as its storage initializer does. */
  static final Pattern BLOB =
      Pattern.compile(
          "https://([^/?#]+?)\\.(?:blob\\.core\\.windows\\.net|z[0-9]{1,2}\\.blob\\.storage\\.azure\\.net)/");

  static final Pattern FILE =
      Pattern.compile(
          "https://([^/?#]+?)\\.(?:file\\.core\\.windows\\.net|z[0-9]{1,2}\\.file\\.storage\\.azure\\.net)/");

  private static final Pattern URL =
      Pattern.compile(
          "https://(([a-z0-9]{3,24})\\.(?:(blob|file)\\.core\\.windows\\.net|z[0-9]{1,2}\\.(blob|file)\\.storage\\.azure\\.net))(/[^?#]*)(?:\\?([^#]*))?",
          Pattern.CASE_INSENSITIVE);

  /** Whether {@code uri} is an Azure Blob or File URL as KServe routes them. */
  static boolean matches(String uri) {
    return BLOB.matcher(uri).find() || FILE.matcher(uri).find();
  }

  static AzureUri parse(String uri) {
    Matcher m = URL.matcher(uri);
    if (!m.matches()) {
      throw new StorageException(
          Kind.INVALID_URI,
          "Not an Azure Storage URL: "
              + io.storageinit.kit.Uris.redact(uri)
              + "; use https://<account>.blob.core.windows.net/<container>/<path> or"
              + " https://<account>.file.core.windows.net/<share>/<path>, the account 3 to 24"
              + " lower-case letters and digits");
    }
    Service service =
        "file".equalsIgnoreCase(m.group(3) != null ? m.group(3) : m.group(4))
            ? Service.FILE
            : Service.BLOB;
    String rest = m.group(5).substring(1);
    int slash = rest.indexOf('/');
    if (slash < 0) {
      throw new StorageException(
          Kind.INVALID_URI,
          io.storageinit.kit.Uris.redact(uri)
              + " names no "
              + service.holder
              + " path: end it with a slash for the whole "
              + service.holder
              + " (https://<account>."
              + service.host
              + ".core.windows.net/<"
              + service.holder
              + ">/) or add the path");
    }
    String container = rest.substring(0, slash);
    String path = rest.substring(slash + 1);
    while (path.startsWith("/")) {
      path = path.substring(1);
    }
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (container.isEmpty()) {
      throw new StorageException(
          Kind.INVALID_URI, io.storageinit.kit.Uris.redact(uri) + " names no " + service.holder);
    }
    Optional<String> sas = Optional.ofNullable(m.group(6)).filter(q -> !q.isEmpty());
    return new AzureUri(
        service,
        m.group(1).toLowerCase(java.util.Locale.ROOT),
        m.group(2).toLowerCase(java.util.Locale.ROOT),
        decode(container),
        decode(path),
        sas);
  }

  /** Percent-escapes in the URL's path stand for the characters of the names. */
  private static String decode(String s) {
    try {
      return java.net.URLDecoder.decode(
          s.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new StorageException(Kind.INVALID_URI, "A broken percent-escape in " + s);
    }
  }

  @Override
  public String toString() {
    return "https://" + host + "/" + container + "/" + path;
  }
}
