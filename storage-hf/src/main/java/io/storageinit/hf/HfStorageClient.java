package io.storageinit.hf;

import io.storageinit.api.Capability;
import io.storageinit.api.Checksum;
import io.storageinit.api.Listing;
import io.storageinit.api.RemoteObject;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import io.storageinit.kit.Headers;
import io.storageinit.kit.Http1;
import io.storageinit.kit.HubConnection;
import io.storageinit.kit.JsonReader;
import io.storageinit.kit.Malformed;
import io.storageinit.kit.MinimumRate;
import io.storageinit.kit.Redirects;
import io.storageinit.kit.Redirects.Origin;
import io.storageinit.kit.RepoUri;
import io.storageinit.kit.Uris;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocketFactory;

/**
 * Reads a model repository of a Hugging Face Hub (or a mirror, {@code HF_ENDPOINT}) at one commit.
 *
 * <p>The revision is resolved to its commit once; the tree API lists every file at that commit,
 * page by page; every read asks {@code /resolve/<commit>/<path>}, so a branch that moves during a
 * long download cannot mix two commits. The hub redirects LFS files to its CDN: the token goes to
 * the hub's own origin only, never to the CDN (the kit's {@link Redirects}). Each LFS file carries
 * its SHA-256 (the runtime checks it before the final rename); each small file is checked against
 * its git blob id ({@link #verify}).
 */
final class HfStorageClient implements StorageClient {
  private static final Pattern NEXT = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");
  private static final Pattern SHA1 = Pattern.compile("[0-9a-f]{40}");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private final HfSettings settings;
  private final HubConnection hub;
  private final MinimumRate listingPace;

  HfStorageClient(HfSettings settings, SSLSocketFactory tls, MinimumRate listingPace) {
    this.settings = settings;
    this.listingPace = listingPace;
    this.hub =
        new HubConnection(
            "the hub",
            settings.endpoint(),
            tls,
            settings.connectTimeout(),
            settings.readTimeout(),
            settings.proxies(),
            settings.caBundle(),
            settings.token().map(t -> Map.of("Authorization", "Bearer " + t)).orElse(Map.of()));
  }

  @Override
  public Set<Capability> capabilities() {
    return EnumSet.of(Capability.RANGED_READS, Capability.TREES);
  }

  @Override
  public Optional<String> storeIdentity() {
    return Optional.of(hub.identity("hf"));
  }

  @Override
  public Listing list(String uri) {
    return list(uri, page -> {});
  }

  /** One commit of a repository: its id and when it was made. */
  record Commit(String sha, Optional<Instant> date) {}

  @Override
  public Listing list(String uri, Consumer<List<RemoteObject>> pages) {
    RepoUri repo = RepoUri.parse(uri, "hf");
    if (settings.offline()) {
      throw StorageException.offline(
          "HF_HUB_OFFLINE is set and DEST holds no model: "
              + repo
              + " can only be fetched from the hub; unset HF_HUB_OFFLINE");
    }
    Commit commit = resolve(repo);
    List<RemoteObject> all = new ArrayList<>();
    URI next =
        api(
            "/api/models/"
                + repo.repo()
                + "/tree/"
                + commit.sha()
                + "?recursive=true&expand=false");
    java.util.Set<URI> seen = new java.util.HashSet<>();
    while (next != null) {
      if (!seen.add(next)) {
        throw new StorageException(
            Kind.INTEGRITY,
            "The hub's answer is not valid: the listing of "
                + repo
                + " names a page it sent before, after "
                + all.size()
                + " files");
      }
      Http1.Response r = send(next, Map.of(), repo + " (listing)");
      List<RemoteObject> found = new ArrayList<>();
      try (InputStream in = listingPace.watch(r.body(), "the listing of " + repo)) {
        Object tree = JsonReader.parse(in.readAllBytes());
        if (!(tree instanceof List<?> entries)) {
          throw new Malformed("the tree is not a JSON array");
        }
        for (Object e : entries) {
          RemoteObject o = entry(repo, commit, e);
          if (o != null) {
            found.add(o);
          }
        }
      } catch (Malformed e) {
        throw new StorageException(
            Kind.INTEGRITY,
            "The hub's answer is not valid: the listing of " + repo + ": " + e.getMessage(),
            e);
      } catch (IOException e) {
        throw hub.ioFailure(repo + " (listing)", e);
      }
      next = nextPage(next, r.header("Link"));
      all.addAll(found);
      if (!found.isEmpty()) {
        pages.accept(found);
      }
    }
    return Listing.ofTree(all);
  }

  /** The commit {@code repo}'s revision names now (the default branch without one). */
  private Commit resolve(RepoUri repo) {
    String revision = repo.revision().orElse("main");
    URI url =
        api(
            "/api/models/"
                + repo.repo()
                + "/revision/"
                + URLEncoder.encode(revision, StandardCharsets.UTF_8).replace("+", "%20"));
    Http1.Response r = send(url, Map.of(), repo.toString());
    try (InputStream in = r.body()) {
      Object info = JsonReader.parse(in.readAllBytes());
      if (info instanceof Map<?, ?> m
          && m.get("sha") instanceof String sha
          && SHA1.matcher(sha).matches()) {
        Optional<Instant> date = Optional.empty();
        if (m.get("lastModified") instanceof String when) {
          try {
            date = Optional.of(Instant.parse(when));
          } catch (RuntimeException ignored) {
            // A hub that dates its commits otherwise: the files get no modification time.
          }
        }
        return new Commit(sha, date);
      }
      throw new Malformed("no commit id (sha) in the model's information");
    } catch (Malformed e) {
      throw new StorageException(
          Kind.INTEGRITY, "The hub's answer is not valid for " + repo + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw hub.ioFailure(repo.toString(), e);
    }
  }

  /** One file of the tree as an object to fetch; null for a folder. */
  private RemoteObject entry(RepoUri repo, Commit commit, Object e) throws Malformed {
    if (!(e instanceof Map<?, ?> m) || !(m.get("type") instanceof String type)) {
      throw new Malformed("a tree entry without a type");
    }
    if (!type.equals("file")) {
      return null;
    }
    if (!(m.get("path") instanceof String path)
        || !(m.get("size") instanceof Long size)
        || size < 0) {
      throw new Malformed("a file without a path or a size");
    }
    String oid = m.get("oid") instanceof String s ? s : null;
    String sha256 = null;
    if (m.get("lfs") instanceof Map<?, ?> lfs) {
      if (!(lfs.get("oid") instanceof String l) || !SHA256.matcher(l).matches()) {
        throw new Malformed("the LFS file " + path + " has no SHA-256 (lfs.oid)");
      }
      if (lfs.get("size") instanceof Long lfsSize && lfsSize.longValue() != size.longValue()) {
        throw new Malformed("the LFS file " + path + " has two sizes");
      }
      sha256 = l;
    }
    String key = repo.repo() + "/resolve/" + commit.sha() + "/" + encodePath(path);
    return RemoteObject.builder(key, path)
        .size(size)
        .version(sha256 != null ? sha256 : oid)
        .checksum(sha256 == null ? null : Checksum.of(Checksum.Algorithm.SHA256, sha256))
        .lastModified(commit.date().orElse(null))
        .build();
  }

  private static String encodePath(String path) {
    StringBuilder b = new StringBuilder();
    for (String seg : path.split("/", -1)) {
      if (b.length() > 0) {
        b.append('/');
      }
      b.append(URLEncoder.encode(seg, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return b.toString();
  }

  /** The next page a {@code Link} header names, resolved against the page that named it. */
  private URI nextPage(URI current, String link) {
    if (link == null) {
      return null;
    }
    Matcher m = NEXT.matcher(link);
    if (!m.find()) {
      return null;
    }
    URI next = current.resolve(m.group(1).trim());
    if (!Origin.of(next).equals(hub.origin())) {
      throw new StorageException(
          Kind.INTEGRITY,
          "The hub's answer is not valid: its next page lies on another origin ("
              + Uris.redact(next.toString())
              + ")");
    }
    return next;
  }

  private URI api(String pathAndQuery) {
    return URI.create(settings.endpoint() + pathAndQuery);
  }

  @Override
  public InputStream read(RemoteObject object, long offset, long length) {
    URI url = URI.create(settings.endpoint() + "/" + object.key());
    Http1.Response r = send(url, HubConnection.range(offset, length), object.path());
    return HubConnection.body(r, offset, length, object.size(), object.path());
  }

  /**
   * Checks a small (non-LFS) file against its git blob id: SHA-1 of {@code "blob <size>\0"} and the
   * bytes. LFS files were checked against their SHA-256 by the runtime.
   */
  @Override
  public void verify(RemoteObject object, Path file) {
    if (object.checksum().isPresent()) {
      return;
    }
    String oid = object.version().orElse("");
    if (!SHA1.matcher(oid).matches()) {
      return;
    }
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      sha1.update(("blob " + Files.size(file) + "\0").getBytes(StandardCharsets.US_ASCII));
      byte[] buf = new byte[64 * 1024];
      int n;
      while ((n = in.read(buf)) > 0) {
        sha1.update(buf, 0, n);
      }
      String actual = HexFormat.of().formatHex(sha1.digest());
      if (!actual.equals(oid)) {
        throw new StorageException(
            Kind.INTEGRITY,
            object.path()
                + " does not match its git blob id at that commit (expected "
                + oid
                + ", got "
                + actual
                + "); it was not kept");
      }
    } catch (IOException e) {
      throw StorageException.transientFailure("Cannot read " + file + " to check it: " + e, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A GET through the hub connection; an error status becomes the runtime's kind. */
  private Http1.Response send(URI url, Map<String, String> extra, String what) {
    Redirects.Followed followed = hub.get(url, extra, what);
    Http1.Response r = followed.response();
    if (r.status() >= 400) {
      StorageException failure =
          statusFailure(what, r, Redirects.mayCarry(hub.origin(), followed.uri()));
      r.abort();
      throw failure;
    }
    return r;
  }

  /** What an error status of the hub (or of its CDN) means, with the hub's own error code. */
  private StorageException statusFailure(String what, Http1.Response r, boolean fromHub) {
    int status = r.status();
    String code = Optional.ofNullable(r.header("X-Error-Code")).orElse("");
    String said =
        Optional.ofNullable(r.header("X-Error-Message"))
            .map(m -> ": " + Headers.printable(m))
            .orElse("");
    String base =
        (fromHub ? "The hub " + settings.endpoint() : "The hub's file server")
            + " answered "
            + status
            + (code.isEmpty() ? "" : " (" + Headers.printable(code) + ")")
            + " for "
            + what
            + said;
    boolean token = settings.token().isPresent();
    if (code.equals("GatedRepo")) {
      return new StorageException(
          Kind.PERMISSION_DENIED,
          base
              + "; the repository is gated: "
              + (token
                  ? "accept its conditions on the hub with the account of HF_TOKEN"
                  : "set HF_TOKEN to a token of an account that accepted its conditions"));
    }
    return switch (status) {
      case 401 ->
          token
              ? new StorageException(
                  Kind.UNAUTHENTICATED, base + "; the hub refused HF_TOKEN: check the token")
              : StorageException.notFound(
                  base + "; no such repository, or a private one: set HF_TOKEN if it is private");
      case 403 ->
          new StorageException(
              Kind.PERMISSION_DENIED, base + "; the token may not read this repository");
      case 404, 410 ->
          StorageException.notFound(
              base
                  + switch (code) {
                    case "RevisionNotFound" -> "; no such branch, tag or commit";
                    case "EntryNotFound" -> "; no such file at that commit";
                    default -> "; no such repository";
                  });
      default ->
          status >= 500 || status == 408 || status == 429
              ? new StorageException(Kind.TRANSIENT, base, null, retryAfter(r).orElse(null))
              : new StorageException(Kind.INVALID_URI, base);
    };
  }

  private static Optional<Duration> retryAfter(Http1.Response r) {
    try {
      return Optional.ofNullable(r.header("Retry-After"))
          .map(v -> Duration.ofSeconds(Math.max(0, Long.parseLong(v.trim()))));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    hub.close();
  }
}
