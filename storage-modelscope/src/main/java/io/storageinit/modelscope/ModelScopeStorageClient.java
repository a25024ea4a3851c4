package io.storageinit.modelscope;

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
import io.storageinit.kit.RepoUri;
import io.storageinit.modelscope.ModelScopeStorageProvider.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocketFactory;

/**
 * Reads a model repository of the ModelScope hub. The revision (default {@code master}) is pinned
 * to the commit the hub names for it, when it names one, so every file comes from that commit; the
 * file API lists the repository recursively; each file is read through the hub's download route,
 * which may redirect to its CDN (the token, the hub's session cookie, goes to the hub's own origin
 * only). Every file is checked against the SHA-256 the hub lists, before its final rename. As the
 * hub's library does, {@code .gitignore} and {@code .gitattributes} are left out.
 */
final class ModelScopeStorageClient implements StorageClient {
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Set<String> LEFT_OUT = Set.of(".gitignore", ".gitattributes");

  private final Settings settings;
  private final HubConnection hub;
  private final MinimumRate listingPace;

  ModelScopeStorageClient(Settings settings, SSLSocketFactory tls, MinimumRate listingPace) {
    this.settings = settings;
    this.listingPace = listingPace;
    this.hub =
        new HubConnection(
            "ModelScope",
            settings.endpoint(),
            tls,
            settings.connectTimeout(),
            settings.readTimeout(),
            settings.proxies(),
            settings.caBundle(),
            settings.token().map(t -> Map.of("Cookie", "m_session_id=" + t)).orElse(Map.of()));
  }

  @Override
  public Set<Capability> capabilities() {
    return EnumSet.of(Capability.RANGED_READS, Capability.TREES);
  }

  @Override
  public Optional<String> storeIdentity() {
    return Optional.of(hub.identity("modelscope"));
  }

  @Override
  public Listing list(String uri) {
    return list(uri, page -> {});
  }

  @Override
  public Listing list(String uri, Consumer<List<RemoteObject>> pages) {
    RepoUri repo = RepoUri.parse(uri, "modelscope");
    String revision = resolve(repo);
    Map<?, ?> data =
        data(
            api(repo, "/repo/files?Revision=" + encode(revision) + "&Recursive=true"),
            repo + " (listing)");
    List<RemoteObject> objects = new ArrayList<>();
    try {
      if (!(data.get("Files") instanceof List<?> files)) {
        throw new Malformed("no Files in the listing");
      }
      for (Object f : files) {
        RemoteObject o = entry(repo, revision, f);
        if (o != null) {
          objects.add(o);
        }
      }
    } catch (Malformed e) {
      throw invalid(repo.toString(), e);
    }
    if (!objects.isEmpty()) {
      pages.accept(objects);
    }
    return Listing.ofTree(objects);
  }

  /**
   * The revision every read names: the commit the hub gives for the branch or tag asked for (or
   * {@code master}), or the name itself when the hub names no commit.
   */
  private String resolve(RepoUri repo) {
    String asked = repo.revision().orElse("master");
    if (COMMIT.matcher(asked).matches()) {
      return asked;
    }
    Map<?, ?> data = data(api(repo, "/revisions"), repo.toString());
    if (data.get("RevisionMap") instanceof Map<?, ?> map) {
      for (String kind : List.of("Branches", "Tags")) {
        if (map.get(kind) instanceof List<?> refs) {
          for (Object ref : refs) {
            if (ref instanceof Map<?, ?> r && asked.equals(r.get("Revision"))) {
              Object commit = r.get("CommitId");
              return commit instanceof String c && COMMIT.matcher(c).matches() ? c : asked;
            }
          }
        }
      }
    }
    throw StorageException.notFound(
        "ModelScope " + settings.endpoint() + " has no branch or tag '" + asked + "' in " + repo);
  }

  private RemoteObject entry(RepoUri repo, String revision, Object f) throws Malformed {
    if (!(f instanceof Map<?, ?> m) || !(m.get("Type") instanceof String type)) {
      throw new Malformed("a file entry without a Type");
    }
    if (!type.equals("blob")) {
      return null;
    }
    if (!(m.get("Path") instanceof String path)
        || !(m.get("Size") instanceof Long size)
        || size < 0) {
      throw new Malformed("a file without a Path or a Size");
    }
    String name = path.substring(path.lastIndexOf('/') + 1);
    if (LEFT_OUT.contains(name) && !path.contains("/")) {
      return null;
    }
    String sha256 = m.get("Sha256") instanceof String s && SHA256.matcher(s).matches() ? s : null;
    String key = repo.repo() + "/repo?Revision=" + encode(revision) + "&FilePath=" + encode(path);
    return RemoteObject.builder(key, path)
        .size(size)
        .version(sha256 != null ? sha256 : String.valueOf(m.get("Revision")))
        .checksum(sha256 == null ? null : Checksum.of(Checksum.Algorithm.SHA256, sha256))
        .build();
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private URI api(RepoUri repo, String rest) {
    return URI.create(settings.endpoint() + "/api/v1/models/" + repo.repo() + rest);
  }

  /** The {@code Data} of one of the hub's answers, after its {@code Code} and {@code Success}. */
  private Map<?, ?> data(URI url, String what) {
    Http1.Response r = send(url, Map.of(), what);
    try (InputStream in = listingPace.watch(r.body(), "the answer for " + what)) {
      Object doc = JsonReader.parse(in.readAllBytes());
      if (!(doc instanceof Map<?, ?> m)) {
        throw new Malformed("not a JSON object");
      }
      if (Boolean.FALSE.equals(m.get("Success"))
          || m.get("Code") instanceof Long code && code != 200L) {
        throw StorageException.notFound(
            "ModelScope "
                + settings.endpoint()
                + " refused "
                + what
                + ": "
                + Headers.printable(String.valueOf(m.get("Message"))));
      }
      if (!(m.get("Data") instanceof Map<?, ?> data)) {
        throw new Malformed("no Data");
      }
      return data;
    } catch (Malformed e) {
      throw invalid(what, e);
    } catch (IOException e) {
      throw hub.ioFailure(what, e);
    }
  }

  private StorageException invalid(String what, Malformed e) {
    return new StorageException(
        Kind.INTEGRITY, "The hub's answer is not valid for " + what + ": " + e.getMessage(), e);
  }

  @Override
  public InputStream read(RemoteObject object, long offset, long length) {
    URI url = URI.create(settings.endpoint() + "/api/v1/models/" + object.key());
    Http1.Response r = send(url, HubConnection.range(offset, length), object.path());
    return HubConnection.body(r, offset, length, object.size(), object.path());
  }

  /** A GET through the hub connection; an error status becomes the runtime's kind. */
  private Http1.Response send(URI url, Map<String, String> extra, String what) {
    Http1.Response r = hub.get(url, extra, what).response();
    int status = r.status();
    if (status < 400) {
      return r;
    }
    String said = "";
    try (InputStream in = r.body()) {
      if (JsonReader.parse(in.readNBytes(64 * 1024)) instanceof Map<?, ?> m
          && m.get("Message") instanceof String message) {
        said = ": " + Headers.printable(message);
      }
    } catch (IOException | RuntimeException ignored) {
      // Not the hub's JSON: the status says enough.
    }
    String base =
        "ModelScope " + settings.endpoint() + " answered " + status + " for " + what + said;
    boolean token = settings.token().isPresent();
    throw switch (status) {
      case 401 ->
          token
              ? new StorageException(
                  Kind.UNAUTHENTICATED, base + "; the hub refused MODELSCOPE_API_TOKEN")
              : StorageException.notFound(
                  base + "; no such model, or a private one: set MODELSCOPE_API_TOKEN");
      case 403 ->
          new StorageException(
              Kind.PERMISSION_DENIED, base + "; the token may not read this model");
      case 404, 410 -> StorageException.notFound(base);
      default ->
          status >= 500 || status == 408 || status == 429
              ? StorageException.transientFailure(base, null)
              : new StorageException(Kind.INVALID_URI, base);
    };
  }

  @Override
  public void close() {
    hub.close();
  }
}
