package io.storageinit.kit;

import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A model hub's URI, {@code <scheme>://<owner>/<model>[:<revision>]} ({@code hf://}, {@code
 * modelscope://}), checked as KServe checks it: exactly an owner and a model, a revision (branch,
 * tag or commit) after the first {@code :}; anything else is refused naming the form. Names are
 * held to the hubs' characters, so none can climb out of an API path.
 *
 * @since 0.4
 */
public record RepoUri(String scheme, String owner, String model, Optional<String> revision) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  /**
   * Parses {@code uri}, whose scheme must be {@code scheme}.
   *
   * @throws StorageException {@code INVALID_URI} naming the expected form
   */
  public static RepoUri parse(String uri, String scheme) {
    String prefix = scheme + "://";
    if (!uri.startsWith(prefix)) {
      throw invalid(uri, scheme);
    }
    String rest = uri.substring(prefix.length());
    int colon = rest.indexOf(':');
    String repo = colon < 0 ? rest : rest.substring(0, colon);
    Optional<String> revision =
        colon < 0 ? Optional.empty() : Optional.of(rest.substring(colon + 1));
    String[] parts = repo.split("/", -1);
    if (parts.length != 2
        || !valid(parts[0])
        || !valid(parts[1])
        || revision
            .filter(r -> r.isEmpty() || r.contains("/") || r.chars().anyMatch(c -> c < 0x21))
            .isPresent()) {
      throw invalid(uri, scheme);
    }
    return new RepoUri(scheme, parts[0], parts[1], revision);
  }

  private static boolean valid(String name) {
    return NAME.matcher(name).matches() && !name.contains("..") && !name.contains("--");
  }

  private static StorageException invalid(String uri, String scheme) {
    return new StorageException(
        Kind.INVALID_URI,
        "Invalid URI '"
            + uri
            + "': expected "
            + scheme
            + "://owner/model or "
            + scheme
            + "://owner/model:revision (a branch, tag or commit)");
  }

  /** {@code owner/model}. */
  public String repo() {
    return owner + "/" + model;
  }

  @Override
  public String toString() {
    return scheme + "://" + repo() + revision.map(r -> ":" + r).orElse("");
  }
}
