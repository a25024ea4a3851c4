package io.storageinit.gcs;

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
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import javax.net.ssl.SSLSocketFactory;

/**
 * Reads {@code gs://} URIs through the JSON API.
 *
 * <p>{@code gs://bucket/path} is the folder {@code path/} when anything lies below it (listed page
 * by page, each page handed to the runtime as it comes), else the one object {@code path}; {@code
 * gs://bucket} is the whole bucket. Every read of an object names the generation its listing gave
 * ({@code generation=}), and the answer must be of that generation, so a file replaced during a
 * long download is refused, never stitched together from two. Each object is checked against its
 * MD5 (by the runtime, while it streams) or, for composite objects that have none, its CRC32C
 * ({@link #verify}).
 */
final class GcsStorageClient implements StorageClient {
  private static final int PAGE_SIZE = 1000;

  private final GcsSettings settings;
  private final GcsCredentials credentials;
  private final HubConnection store;
  private final MinimumRate listingPace;

  /** CRC32C (base64, as the store gives it) of the objects without an MD5, by key. */
  private final Map<String, String> crc32cOnly = new ConcurrentHashMap<>();

  GcsStorageClient(
      GcsSettings settings,
      GcsCredentials credentials,
      SSLSocketFactory tls,
      MinimumRate listingPace) {
    this.settings = settings;
    this.credentials = credentials;
    this.listingPace = listingPace;
    this.store =
        new HubConnection(
            "Google Cloud Storage",
            settings.endpoint(),
            tls,
            settings.connectTimeout(),
            settings.readTimeout(),
            settings.proxies(),
            settings.caBundle(),
            credentials::headers);
  }

  @Override
  public Set<Capability> capabilities() {
    return EnumSet.of(Capability.RANGED_READS, Capability.TREES);
  }

  @Override
  public Optional<String> storeIdentity() {
    return Optional.of(store.identity("gcs"));
  }

  @Override
  public Listing list(String uri) {
    return list(uri, page -> {});
  }

  @Override
  public Listing list(String uri, Consumer<List<RemoteObject>> pages) {
    GcsUri at = GcsUri.parse(uri);
    if (at.path().isEmpty()) {
      return Listing.ofTree(listFolder(at, "", pages));
    }
    List<RemoteObject> below = listFolder(at, at.path() + "/", pages);
    if (!below.isEmpty()) {
      return Listing.ofTree(below);
    }
    Optional<RemoteObject> one = object(at);
    if (one.isPresent()) {
      return Listing.ofObject(one.get());
    }
    throw StorageException.notFound(
        "Nothing at "
            + at
            + " and nothing below "
            + at
            + "/ (folder markers do not count): check the bucket and the path");
  }

  /** Every object whose name starts with {@code prefix}, as paths relative to it. */
  private List<RemoteObject> listFolder(
      GcsUri at, String prefix, Consumer<List<RemoteObject>> pages) {
    List<RemoteObject> all = new ArrayList<>();
    Set<String> tokens = new HashSet<>();
    String token = null;
    do {
      StringBuilder url =
          new StringBuilder(api("/storage/v1/b/" + encode(at.bucket()) + "/o"))
              .append("?maxResults=")
              .append(PAGE_SIZE)
              .append("&projection=noAcl");
      if (!prefix.isEmpty()) {
        url.append("&prefix=").append(encode(prefix));
      }
      if (token != null) {
        url.append("&pageToken=").append(encode(token));
      }
      Http1.Response r = send(URI.create(url.toString()), Map.of(), at, "the listing of " + at);
      List<RemoteObject> found = new ArrayList<>();
      String next;
      try (InputStream in = listingPace.watch(r.body(), "the listing of " + at)) {
        if (!(JsonReader.parse(in.readAllBytes()) instanceof Map<?, ?> page)) {
          throw new Malformed("the listing is not a JSON object");
        }
        if (page.get("items") instanceof List<?> items) {
          for (Object item : items) {
            RemoteObject o = entry(at, prefix, item);
            if (o != null) {
              found.add(o);
            }
          }
        } else if (page.containsKey("items")) {
          throw new Malformed("items is not a list");
        }
        next = page.get("nextPageToken") instanceof String t && !t.isEmpty() ? t : null;
      } catch (Malformed e) {
        throw invalidAnswer("the listing of " + at, e);
      } catch (IOException e) {
        throw store.ioFailure("the listing of " + at, e);
      }
      if (next != null && !tokens.add(next)) {
        throw new StorageException(
            Kind.INTEGRITY,
            "The store's answer is not valid: the listing of "
                + at
                + " gives a page token it gave before, after "
                + (all.size() + found.size())
                + " objects");
      }
      all.addAll(found);
      if (!found.isEmpty()) {
        pages.accept(found);
      }
      token = next;
    } while (token != null);
    return all;
  }

  /** The one object {@code at} names, or empty when there is none. */
  private Optional<RemoteObject> object(GcsUri at) {
    URI url =
        URI.create(
            api(
                "/storage/v1/b/"
                    + encode(at.bucket())
                    + "/o/"
                    + encode(at.path())
                    + "?projection=noAcl"));
    Redirects.Followed followed = store.get(url, Map.of(), at.toString());
    Http1.Response r = followed.response();
    if (r.status() == 404) {
      String said = errorMessage(r);
      // A missing bucket is told as such; a missing object is "nothing there" for the caller.
      if (aboutBucket(said)) {
        throw failure(at, at.toString(), 404, said, Optional.empty());
      }
      return Optional.empty();
    }
    if (r.status() >= 400) {
      throw statusFailure(at, at.toString(), r);
    }
    try (InputStream in = r.body()) {
      String name = at.path();
      String base = name.substring(name.lastIndexOf('/') + 1);
      return Optional.of(
          describe(at, JsonReader.parse(in.readAllBytes()), base, "the object " + at));
    } catch (Malformed e) {
      throw invalidAnswer(at.toString(), e);
    } catch (IOException e) {
      throw store.ioFailure(at.toString(), e);
    }
  }

  /** One listed object as an object to fetch; null for a folder marker. */
  private RemoteObject entry(GcsUri at, String prefix, Object item) throws Malformed {
    if (!(item instanceof Map<?, ?> m) || !(m.get("name") instanceof String name)) {
      throw new Malformed("an item without a name");
    }
    if (!name.startsWith(prefix)) {
      throw new Malformed("the item " + name + " lies outside the prefix " + prefix + " asked for");
    }
    String path = name.substring(prefix.length());
    if (path.isEmpty() || path.endsWith("/")) {
      return null;
    }
    return describe(at, m, path, name);
  }

  private RemoteObject describe(GcsUri at, Object item, String path, String what) throws Malformed {
    if (!(item instanceof Map<?, ?> m) || !(m.get("name") instanceof String name)) {
      throw new Malformed(what + " has no name");
    }
    long size = wholeNumber(m.get("size"), what + " has no size");
    long generation = wholeNumber(m.get("generation"), what + " has no generation");
    RemoteObject.Builder b =
        RemoteObject.builder(at.bucket() + "/" + name, path)
            .size(size)
            .version(Long.toString(generation));
    if (m.get("md5Hash") instanceof String md5) {
      b.checksum(Checksum.of(Checksum.Algorithm.MD5, hex(md5, 16, what + "'s md5Hash")));
    } else if (m.get("crc32c") instanceof String crc) {
      hex(crc, 4, what + "'s crc32c");
      crc32cOnly.put(at.bucket() + "/" + name, crc);
    }
    if (m.get("updated") instanceof String updated) {
      try {
        b.lastModified(Instant.parse(updated));
      } catch (RuntimeException ignored) {
        // An emulator that dates objects otherwise: the files get no modification time.
      }
    }
    if (m.get("contentType") instanceof String type) {
      b.contentType(type);
    }
    return b.build();
  }

  /** The JSON API gives 64-bit numbers as strings. */
  private static long wholeNumber(Object value, String problem) throws Malformed {
    try {
      long n =
          value instanceof String s
              ? Long.parseLong(s)
              : value instanceof Long l ? l : Long.parseLong("x");
      if (n < 0) {
        throw new Malformed(problem);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new Malformed(problem);
    }
  }

  private static String hex(String base64, int bytes, String what) throws Malformed {
    try {
      byte[] raw = Base64.getDecoder().decode(base64);
      if (raw.length != bytes) {
        throw new Malformed(what + " is not " + bytes + " bytes");
      }
      return HexFormat.of().formatHex(raw);
    } catch (IllegalArgumentException e) {
      throw new Malformed(what + " is not base64");
    }
  }

  @Override
  public InputStream read(RemoteObject object, long offset, long length) {
    String key = object.key();
    int slash = key.indexOf('/');
    String bucket = key.substring(0, slash);
    String name = key.substring(slash + 1);
    String generation = object.version().orElseThrow();
    URI url =
        URI.create(
            api(
                "/storage/v1/b/"
                    + encode(bucket)
                    + "/o/"
                    + encode(name)
                    + "?alt=media&generation="
                    + generation));
    String what = "gs://" + key;
    Redirects.Followed followed = store.get(url, HubConnection.range(offset, length), what);
    Http1.Response r = followed.response();
    if (r.status() == 404) {
      r.abort();
      throw new StorageException(
          Kind.INTEGRITY,
          what
              + " changed or vanished in the store during the transfer (its generation "
              + generation
              + " is gone); run again");
    }
    if (r.status() >= 400) {
      throw statusFailure(GcsUri.parse("gs://" + key), what, r);
    }
    String served = r.header("x-goog-generation");
    if (served != null && !served.trim().equals(generation)) {
      r.abort();
      throw new StorageException(
          Kind.INTEGRITY,
          what
              + " changed in the store during the transfer (generation "
              + Headers.printable(served.trim())
              + " served, "
              + generation
              + " listed); run again");
    }
    return HubConnection.body(r, offset, length, object.size(), what);
  }

  /** Checks an object that has no MD5 (a composite object) against its CRC32C. */
  @Override
  public void verify(RemoteObject object, Path file) {
    String expected = crc32cOnly.get(object.key());
    if (expected == null) {
      return;
    }
    CRC32C crc = new CRC32C();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[256 * 1024];
      int n;
      while ((n = in.read(buf)) > 0) {
        crc.update(buf, 0, n);
      }
    } catch (IOException e) {
      throw StorageException.transientFailure("Cannot read " + file + " to check it: " + e, e);
    }
    String actual =
        Base64.getEncoder()
            .encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    if (!actual.equals(expected)) {
      throw new StorageException(
          Kind.INTEGRITY,
          "gs://"
              + object.key()
              + " does not match its CRC32C (expected "
              + expected
              + ", got "
              + actual
              + "); it was not kept");
    }
  }

  private String api(String pathAndQuery) {
    return settings.endpoint() + pathAndQuery;
  }

  /**
   * A path segment or query value: everything but unreserved characters escaped ({@code /} too).
   */
  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%7E", "~");
  }

  private Http1.Response send(URI url, Map<String, String> extra, GcsUri at, String what) {
    Http1.Response r = store.get(url, extra, what).response();
    if (r.status() >= 400) {
      throw statusFailure(at, what, r);
    }
    return r;
  }

  /** What an error status means, with the store's own message; the answer is consumed. */
  private StorageException statusFailure(GcsUri at, String what, Http1.Response r) {
    Optional<Duration> retryAfter = retryAfter(r);
    return failure(at, what, r.status(), errorMessage(r), retryAfter);
  }

  /** Whether the store's error message is about the bucket (a missing one), not an object. */
  private static boolean aboutBucket(String said) {
    return said.toLowerCase(java.util.Locale.ROOT).contains("bucket");
  }

  private StorageException failure(
      GcsUri at, String what, int status, String said, Optional<Duration> retryAfter) {
    String base =
        "Google Cloud Storage ("
            + settings.endpoint()
            + ") answered "
            + status
            + " for "
            + what
            + (said.isEmpty() ? "" : ": " + said);
    String creds = "credentials: " + credentials.source();
    return switch (status) {
      case 401 ->
          new StorageException(
              Kind.UNAUTHENTICATED,
              base
                  + "; the store refused the "
                  + creds
                  + (credentials.present()
                      ? ""
                      : "; set GOOGLE_APPLICATION_CREDENTIALS to a service account's key"));
      case 403 ->
          new StorageException(
              Kind.PERMISSION_DENIED,
              base
                  + "; "
                  + creds
                  + " may not read gs://"
                  + at.bucket()
                  + ": grant storage.objects.list and storage.objects.get on it");
      case 404 ->
          StorageException.notFound(aboutBucket(said) ? base + "; no bucket " + at.bucket() : base);
      default ->
          status >= 500 || status == 408 || status == 429
              ? new StorageException(Kind.TRANSIENT, base, null, retryAfter.orElse(null))
              : new StorageException(Kind.INVALID_URI, base);
    };
  }

  /** The {@code error.message} of a JSON error answer, printable and short; empty when none. */
  private static String errorMessage(Http1.Response r) {
    try (InputStream in = r.body()) {
      byte[] body = in.readNBytes(16 * 1024);
      if (JsonReader.parse(body) instanceof Map<?, ?> m
          && m.get("error") instanceof Map<?, ?> e
          && e.get("message") instanceof String message) {
        String printable = Headers.printable(message);
        return printable.length() > 300 ? printable.substring(0, 300) + "…" : printable;
      }
    } catch (IOException | RuntimeException ignored) {
      // Not JSON (a proxy's page): the status alone tells it.
    } finally {
      r.abort();
    }
    return "";
  }

  private static Optional<Duration> retryAfter(Http1.Response r) {
    try {
      return Optional.ofNullable(r.header("Retry-After"))
          .map(v -> Duration.ofSeconds(Math.max(0, Long.parseLong(v.trim()))));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static StorageException invalidAnswer(String what, Malformed e) {
    return new StorageException(
        Kind.INTEGRITY, "The store's answer is not valid for " + what + ": " + e.getMessage(), e);
  }

  @Override
  public void close() {
    store.close();
  }
}
