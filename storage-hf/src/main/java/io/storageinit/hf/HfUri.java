package io.storageinit.hf;

import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code hf://<owner>/<model>[:<revision>]}, checked as KServe checks it: exactly an owner and a
 * model, a revision (branch, tag or commit) after the first {@code :}; anything else is refused
 * naming the form. Names are held to the hub's characters, so none can climb out of an API path.
 */
record HfUri(String owner, String model, Optional<String> revision) {
  static final String SCHEME = "hf://";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  static HfUri parse(String uri) {
    if (!uri.startsWith(SCHEME)) {
      throw invalid(uri);
    }
    String rest = uri.substring(SCHEME.length());
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
      throw invalid(uri);
    }
    return new HfUri(parts[0], parts[1], revision);
  }

  private static boolean valid(String name) {
    return NAME.matcher(name).matches() && !name.contains("..") && !name.contains("--");
  }

  private static StorageException invalid(String uri) {
    return new StorageException(
        Kind.INVALID_URI,
        "Invalid Hugging Face URI '"
            + uri
            + "': expected hf://owner/model or hf://owner/model:revision (a branch, tag or commit)");
  }

  /** {@code owner/model}. */
  String repo() {
    return owner + "/" + model;
  }

  @Override
  public String toString() {
    return SCHEME + repo() + revision.map(r -> ":" + r).orElse("");
  }
}
