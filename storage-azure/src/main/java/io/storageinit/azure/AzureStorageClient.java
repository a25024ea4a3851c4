package io.storageinit.azure;

import io.storageinit.api.Capability;
import io.storageinit.api.Checksum;
import io.storageinit.api.Listing;
import io.storageinit.api.RemoteObject;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import io.storageinit.kit.ContentRange;
import io.storageinit.kit.Headers;
import io.storageinit.kit.Http1;
import io.storageinit.kit.HubConnection;
import io.storageinit.kit.Malformed;
import io.storageinit.kit.MinimumRate;
import io.storageinit.kit.StoreIdentity;
import io.storageinit.kit.Uris;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLSocketFactory;

/**
 * Reads Azure Blob containers and File shares through their REST APIs.
 *
 * <p>Blob: a blob named exactly like the path is fetched alone, else the path is a folder ({@code
 * path/}) listed page by page with {@code marker}; zero-byte blobs are left out, as KServe does
 * (they are folder markers of hierarchical accounts). Every read names the listed ETag ({@code
 * If-Match}), so a blob replaced mid-download is refused; {@code Content-MD5} is checked where the
 * blob has one. File shares: every file of the folder and of up to five folder levels below it,
 * under its path from the share's root, as KServe's tree; reads are held to the listed ETag.
 *
 * <p>Credentials, per request: a SAS (in the URL, or {@code AZURE_STORAGE_ACCESS_KEY}) goes in the
 * query; an Azure AD token as a bearer (Blob only, as KServe); an account key signs (SharedKey);
 * else nothing.
 */
final class AzureStorageClient implements StorageClient {
  static final String VERSION = "2021-12-02";
  private static final int FILE_SHARE_DEPTH = 5;
  private static final DateTimeFormatter RFC_1123 = DateTimeFormatter.RFC_1123_DATE_TIME;

  private final AzureSettings settings;
  private final Supplier<String> bearer;
  private final Http1 http;
  private final MinimumRate listingPace;
  private final Map<String, SharedKey> keys = new ConcurrentHashMap<>();

  /** Where each listed object lives, by its key. */
  private final Map<String, Located> objects = new ConcurrentHashMap<>();

  private record Located(AzureUri at, String name) {}

  private final Set<String> warned = ConcurrentHashMap.newKeySet();

  /**
   * @param bearer Azure AD access tokens (asked before each request), or null without Azure AD
   */
  AzureStorageClient(
      AzureSettings settings,
      Supplier<String> bearer,
      SSLSocketFactory tls,
      MinimumRate listingPace) {
    this.settings = settings;
    this.bearer = bearer;
    this.listingPace = listingPace;
    this.http =
        Http1.builder()
            .tls(() -> tls)
            .connectTimeout(settings.connectTimeout())
            .readTimeout(settings.readTimeout())
            .proxies(settings.proxies())
            .build();
  }

  @Override
  public Set<Capability> capabilities() {
    return EnumSet.of(Capability.RANGED_READS, Capability.TREES);
  }

  @Override
  public OptionalInt concurrencyLimit() {
    return settings.concurrency();
  }

  @Override
  public Optional<String> storeIdentity() {
    return Optional.of(
        StoreIdentity.of("azure")
            .with("blob", settings.blobEndpoint().orElse("(the URL's host)"))
            .with("file", settings.fileEndpoint().orElse("(the URL's host)"))
            .trust(settings.caBundle(), true)
            .proxies(settings.proxies())
            .toString());
  }

  @Override
  public Listing list(String uri) {
    return list(uri, page -> {});
  }

  @Override
  public Listing list(String uri, Consumer<List<RemoteObject>> pages) {
    AzureUri at = AzureUri.parse(uri);
    return at.service() == AzureUri.Service.BLOB ? listBlobs(at, pages) : listShare(at, pages);
  }

  // ---- Blob ----

  private Listing listBlobs(AzureUri at, Consumer<List<RemoteObject>> pages) {
    if (!at.path().isEmpty()) {
      Optional<RemoteObject> exact = blobProperties(at);
      if (exact.isPresent()) {
        return Listing.ofObject(exact.get());
      }
    }
    String prefix = at.path().isEmpty() ? "" : at.path() + "/";
    Map<String, String> query = new LinkedHashMap<>();
    query.put("restype", "container");
    query.put("comp", "list");
    if (!prefix.isEmpty()) {
      query.put("prefix", prefix);
    }
    List<RemoteObject> all = new ArrayList<>();
    listPages(
        at,
        "",
        query,
        page -> {
          List<RemoteObject> found = new ArrayList<>();
          for (AzureXml.Entry e : page.entries()) {
            if (!e.kind().equals("Blob")) {
              continue;
            }
            String name = e.name();
            if (!name.startsWith(prefix)) {
              throw invalid(at, "the blob " + name + " lies outside the prefix " + prefix);
            }
            String path = name.substring(prefix.length());
            long size = size(at, e.fields());
            if (path.isEmpty() || path.endsWith("/") || size == 0) {
              continue;
            }
            found.add(object(at, name, path, size, e.fields()));
          }
          return found;
        },
        all,
        pages);
    return Listing.ofTree(all);
  }

  /** The blob {@code at} names exactly, or empty when there is none. */
  private Optional<RemoteObject> blobProperties(AzureUri at) {
    Http1.Response r = send("HEAD", at, at.path(), Map.of(), Map.of(), at.toString());
    if (r.status() == 404) {
      String code = Optional.ofNullable(r.header("x-ms-error-code")).orElse("");
      r.abort();
      if (code.equals("ContainerNotFound")) {
        throw failure(at, at.toString(), 404, code, "");
      }
      return Optional.empty();
    }
    if (r.status() >= 400) {
      throw statusFailure(at, at.toString(), r);
    }
    r.abort();
    Map<String, String> fields = new java.util.HashMap<>();
    copy(r, "Content-Length", fields);
    copy(r, "ETag", fields, "Etag");
    copy(r, "Content-MD5", fields);
    copy(r, "Last-Modified", fields);
    copy(r, "Content-Type", fields);
    String name = at.path();
    long size = size(at, fields);
    if (size == 0) {
      return Optional.empty();
    }
    return Optional.of(object(at, name, name.substring(name.lastIndexOf('/') + 1), size, fields));
  }

  private static void copy(Http1.Response r, String header, Map<String, String> to) {
    copy(r, header, to, header);
  }

  private static void copy(Http1.Response r, String header, Map<String, String> to, String as) {
    String v = r.header(header);
    if (v != null) {
      to.put(as, v);
    }
  }

  // ---- File shares ----

  private Listing listShare(AzureUri at, Consumer<List<RemoteObject>> pages) {
    List<RemoteObject> all = new ArrayList<>();
    walk(at, at.path(), 0, all, pages);
    return Listing.ofTree(all);
  }

  private void walk(
      AzureUri at,
      String dir,
      int level,
      List<RemoteObject> all,
      Consumer<List<RemoteObject>> pages) {
    List<String> folders = new ArrayList<>();
    Map<String, String> query = new LinkedHashMap<>();
    query.put("restype", "directory");
    query.put("comp", "list");
    query.put("include", "Timestamps,ETag");
    listPages(
        at,
        dir,
        query,
        page -> {
          List<RemoteObject> found = new ArrayList<>();
          for (AzureXml.Entry e : page.entries()) {
            String name = e.name();
            if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
              throw invalid(at, "the folder " + dir + " lists an entry named '" + name + "'");
            }
            String path = dir.isEmpty() ? name : dir + "/" + name;
            if (e.kind().equals("Directory")) {
              folders.add(path);
            } else if (e.kind().equals("File")) {
              found.add(object(at, path, path, size(at, e.fields()), e.fields()));
            }
          }
          return found;
        },
        all,
        pages);
    if (level < FILE_SHARE_DEPTH) {
      for (String folder : folders) {
        walk(at, folder, level + 1, all, pages);
      }
    }
  }

  // ---- Both ----

  /**
   * Lists {@code path} (below the container or share) page by page with {@code marker}: the objects
   * {@code objectsOf} makes of each page go to {@code pages}, as the store returns them, and to
   * {@code all}.
   */
  private void listPages(
      AzureUri at,
      String path,
      Map<String, String> query,
      Function<AzureXml.Page, List<RemoteObject>> objectsOf,
      List<RemoteObject> all,
      Consumer<List<RemoteObject>> pages) {
    Set<String> markers = new HashSet<>();
    String marker = null;
    do {
      Map<String, String> q = new LinkedHashMap<>(query);
      q.put("maxresults", Integer.toString(settings.pageSize()));
      if (marker != null) {
        q.put("marker", marker);
      }
      AzureXml.Page page = listPage(at, path, q);
      List<RemoteObject> found = objectsOf.apply(page);
      all.addAll(found);
      if (!found.isEmpty()) {
        pages.accept(found);
      }
      marker = page.nextMarker().orElse(null);
      if (marker != null && !markers.add(marker)) {
        throw invalid(
            at,
            "the listing of /"
                + path
                + " gives a marker it gave before, after "
                + all.size()
                + " objects");
      }
    } while (marker != null);
  }

  private AzureXml.Page listPage(AzureUri at, String path, Map<String, String> query) {
    String what = "the listing of " + at;
    Http1.Response r = send("GET", at, path, query, Map.of(), what);
    if (r.status() >= 400) {
      throw statusFailure(at, what, r);
    }
    try (InputStream in = listingPace.watch(r.body(), what)) {
      return AzureXml.page(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (Malformed e) {
      throw invalid(at, e.getMessage());
    } catch (IOException e) {
      throw ioFailure(at, what, e);
    }
  }

  private RemoteObject object(
      AzureUri at, String name, String path, long size, Map<String, String> fields) {
    String key = at.service() + " " + at.host() + "/" + at.container() + "/" + name;
    objects.putIfAbsent(key, new Located(at, name));
    RemoteObject.Builder b =
        RemoteObject.builder(key, path).size(size).version(unquoted(fields.get("Etag")));
    String md5 = fields.get("Content-MD5");
    if (md5 != null && !md5.isEmpty()) {
      try {
        byte[] raw = Base64.getDecoder().decode(md5.trim());
        if (raw.length != 16) {
          throw new IllegalArgumentException();
        }
        b.checksum(Checksum.of(Checksum.Algorithm.MD5, HexFormat.of().formatHex(raw)));
      } catch (IllegalArgumentException e) {
        throw invalid(at, name + " has a Content-MD5 that is not 16 bytes of base64");
      }
    }
    String modified = fields.get("Last-Modified");
    if (modified != null) {
      try {
        b.lastModified(ZonedDateTime.parse(modified, RFC_1123).toInstant());
      } catch (RuntimeException ignored) {
        // Dated otherwise: the file gets no modification time.
      }
    }
    Optional.ofNullable(fields.get("Content-Type")).ifPresent(b::contentType);
    return b.build();
  }

  /** An ETag without its quotes: listings give it bare, header fields quoted. */
  private static String unquoted(String etag) {
    if (etag == null) {
      return null;
    }
    String e = etag.trim();
    return e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")
        ? e.substring(1, e.length() - 1)
        : e;
  }

  private long size(AzureUri at, Map<String, String> fields) {
    try {
      long size = Long.parseLong(String.valueOf(fields.get("Content-Length")).trim());
      if (size < 0) {
        throw new NumberFormatException();
      }
      return size;
    } catch (NumberFormatException e) {
      throw invalid(at, fields.get("Name") + " has no valid Content-Length");
    }
  }

  @Override
  public InputStream read(RemoteObject object, long offset, long length) {
    Located located = objects.get(object.key());
    if (located == null) {
      throw new IllegalArgumentException("not listed by this client: " + object.key());
    }
    AzureUri at = located.at();
    String name = located.name();
    String what = "https://" + at.host() + "/" + at.container() + "/" + name;
    Map<String, String> headers = new LinkedHashMap<>();
    if (offset > 0 || length >= 0) {
      headers.put(
          "x-ms-range",
          "bytes=" + offset + "-" + (length < 0 ? "" : String.valueOf(offset + length - 1)));
    }
    String etag = object.version().orElse(null);
    if (etag != null && at.service() == AzureUri.Service.BLOB) {
      headers.put("If-Match", "\"" + etag + "\"");
    }
    Http1.Response r = send("GET", at, name, Map.of(), headers, what);
    if (r.status() == 412 || (r.status() == 404 && etag != null)) {
      r.abort();
      throw new StorageException(
          Kind.INTEGRITY,
          what + " changed or vanished in the store during the transfer; run again");
    }
    if (r.status() >= 400) {
      throw statusFailure(at, what, r);
    }
    String served = unquoted(r.header("ETag"));
    if (etag != null && served != null && !served.equals(etag)) {
      r.abort();
      throw new StorageException(
          Kind.INTEGRITY,
          what
              + " changed in the store during the transfer (ETag "
              + Headers.printable(served)
              + ", listed "
              + etag
              + "); run again");
    }
    if (!headers.containsKey("x-ms-range")) {
      return r.body();
    }
    if (r.status() != 206) {
      r.abort();
      throw StorageException.retryableIntegrity(
          what + " answered a range request with " + r.status() + ", not 206");
    }
    ContentRange.checkResponse(r, offset, length, object.size(), what);
    return r.body();
  }

  /**
   * Sends a request for {@code path} (below the container or share) with this run's credentials.
   */
  private Http1.Response send(
      String method,
      AzureUri at,
      String path,
      Map<String, String> query,
      Map<String, String> extra,
      String what) {
    URI base = settings.serviceUrl(at);
    StringBuilder target = new StringBuilder(base.getRawPath() == null ? "" : base.getRawPath());
    target.append('/').append(encodePath(at.container()));
    if (!path.isEmpty()) {
      target.append('/').append(encodePath(path));
    }
    StringBuilder q = new StringBuilder();
    query.forEach(
        (k, v) -> q.append(q.length() == 0 ? "" : "&").append(k).append('=').append(encode(v)));
    Optional<String> sas = at.sas().or(settings::sas);
    sas.ifPresent(s -> q.append(q.length() == 0 ? "" : "&").append(s));
    URI url =
        URI.create(
            base.getScheme()
                + "://"
                + base.getRawAuthority()
                + target
                + (q.length() == 0 ? "" : "?" + q));
    Map<String, String> headers = new LinkedHashMap<>(extra);
    headers.put("x-ms-version", VERSION);
    headers.put("x-ms-date", RFC_1123.format(ZonedDateTime.now(ZoneOffset.UTC)));
    if (sas.isEmpty()) {
      if (bearer != null && at.service() == AzureUri.Service.BLOB) {
        headers.put("Authorization", "Bearer " + bearer.get());
      } else if (settings.accountKey().isPresent()) {
        SharedKey key =
            keys.computeIfAbsent(at.account(), a -> new SharedKey(a, settings.accountKey().get()));
        headers.put("Authorization", key.authorization(method, url, headers));
      } else if (warned.add(at.account())) {
        System.getLogger(AzureStorageClient.class.getName())
            .log(
                System.Logger.Level.WARNING,
                "No Azure credentials (AZURE_CLIENT_ID, AZURE_STORAGE_ACCESS_KEY, a SAS in the URL):"
                    + " reading "
                    + at.account()
                    + " anonymously, which works only for a public container");
      }
    }
    try {
      return http.send(method, url, headers);
    } catch (IOException e) {
      throw ioFailure(at, what, e);
    }
  }

  /** What an error status means, with the service's code and message; the answer is consumed. */
  private StorageException statusFailure(AzureUri at, String what, Http1.Response r) {
    String code = Optional.ofNullable(r.header("x-ms-error-code")).orElse("");
    String message = "";
    try (InputStream in = r.body()) {
      String[] said = AzureXml.error(new String(in.readNBytes(16 * 1024), StandardCharsets.UTF_8));
      code = code.isEmpty() ? said[0] : code;
      message = said[1];
    } catch (IOException | RuntimeException ignored) {
      // The status and code tell it.
    } finally {
      r.abort();
    }
    return failure(at, what, r.status(), code, message);
  }

  private StorageException failure(
      AzureUri at, String what, int status, String code, String message) {
    String said = Headers.printable(message.lines().findFirst().orElse(""));
    String base =
        "Azure Storage answered "
            + status
            + (code.isEmpty() ? "" : " (" + Headers.printable(code) + ")")
            + " for "
            + Uris.redact(what)
            + (said.isEmpty() ? "" : ": " + said);
    String how = credentialsInUse(at);
    if (status == 403 && code.equals("AuthorizationPermissionMismatch")) {
      return new StorageException(
          Kind.PERMISSION_DENIED,
          base
              + "; "
              + how
              + " may not read the "
              + at.service().holder
              + " "
              + at.container()
              + ": grant it Storage Blob Data Reader");
    }
    if (status == 401 || status == 403) {
      return new StorageException(
          Kind.UNAUTHENTICATED,
          base
              + "; the service refused "
              + how
              + ": a wrong or rotated key, an expired SAS or one without read (r) and list (l)"
              + " permissions, or a container that is not public");
    }
    if (status == 404) {
      return StorageException.notFound(
          base
              + switch (code) {
                case "ContainerNotFound" ->
                    "; no container " + at.container() + " in the account " + at.account();
                case "ShareNotFound" ->
                    "; no share " + at.container() + " in the account " + at.account();
                case "ParentNotFound", "ResourceNotFound" ->
                    "; no such folder (a file URL names no model: name its folder)";
                default -> "";
              });
    }
    if (status >= 500 || status == 408 || status == 429) {
      return new StorageException(Kind.TRANSIENT, base);
    }
    return new StorageException(Kind.INVALID_URI, base);
  }

  private String credentialsInUse(AzureUri at) {
    if (at.sas().isPresent()) {
      return "the SAS in the URL";
    }
    if (settings.sas().isPresent()) {
      return "the SAS in AZURE_STORAGE_ACCESS_KEY";
    }
    if (bearer != null && at.service() == AzureUri.Service.BLOB) {
      return "the Azure AD identity of AZURE_CLIENT_ID";
    }
    if (settings.accountKey().isPresent()) {
      return "the account key in AZURE_STORAGE_ACCESS_KEY";
    }
    return "an anonymous request (no credentials set)";
  }

  private StorageException ioFailure(AzureUri at, String what, IOException e) {
    return HubConnection.ioFailure(
        "Azure Storage (account " + at.account() + ")",
        settings.serviceUrl(at),
        Uris.redact(what),
        e);
  }

  private static StorageException invalid(AzureUri at, String problem) {
    return new StorageException(
        Kind.INTEGRITY, "Azure Storage's answer for " + at + " is not valid: " + problem);
  }

  /** A path below the container: each segment escaped, slashes kept. */
  static String encodePath(String path) {
    StringBuilder b = new StringBuilder();
    for (String seg : path.split("/", -1)) {
      if (b.length() > 0) {
        b.append('/');
      }
      b.append(encode(seg));
    }
    return b.toString();
  }

  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%7E", "~");
  }

  @Override
  public void close() {
    http.close();
  }
}
