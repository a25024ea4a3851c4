package io.storageinit.gcs;

import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.auth.http.HttpTransportFactory;
import com.google.auth.oauth2.GoogleCredentials;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.net.ssl.SSLSocketFactory;

/**
 * Google's Application Default Credentials, through Google's auth library: the key file {@code
 * GOOGLE_APPLICATION_CREDENTIALS} names (a service account's key, an authorized user, an external
 * account for workload identity federation), else gcloud's well-known file, else the metadata
 * server of GKE and GCE; anonymous only when none is found. The library caches the access token and
 * refreshes it before it expires; {@link #headers} asks it before every request.
 */
final class GcsCredentials {
  static final String READ_ONLY_SCOPE = "https://www.googleapis.com/auth/devstorage.read_only";

  private final GoogleCredentials credentials;
  private final URI endpoint;
  private final String source;

  private GcsCredentials(GoogleCredentials credentials, URI endpoint, String source) {
    this.credentials = credentials;
    this.endpoint = endpoint;
    this.source = source;
  }

  /**
   * Finds the credentials as Google's libraries do. With an emulator and no key file, requests go
   * without credentials (Google's libraries do the same), and the metadata server is not asked.
   */
  static GcsCredentials find(GcsSettings settings, SSLSocketFactory tls) {
    // The token endpoint and the metadata server are reached with the same trust as the store.
    HttpTransportFactory transport =
        () -> new NetHttpTransport.Builder().setSslSocketFactory(tls).build();
    GoogleCredentials found;
    String source;
    if (settings.keyFile().isPresent()) {
      source =
          "the key file GOOGLE_APPLICATION_CREDENTIALS names (" + settings.keyFile().get() + ")";
      try (InputStream in = Files.newInputStream(settings.keyFile().get())) {
        found = GoogleCredentials.fromStream(in, transport);
      } catch (IOException | RuntimeException e) {
        throw new StorageException(
            Kind.INVALID_CONFIG,
            "GOOGLE_APPLICATION_CREDENTIALS names "
                + settings.keyFile().get()
                + ", which is not a credentials file Google's libraries read ("
                + e.getMessage()
                + "): use a service account key, an authorized user or an external account file",
            e);
      }
    } else if (settings.emulator()) {
      return new GcsCredentials(null, settings.endpoint(), "none (an emulator)");
    } else {
      try {
        found = GoogleCredentials.getApplicationDefault(transport);
        source = "Application Default Credentials";
      } catch (IOException e) {
        // Nothing found anywhere: a public bucket is read anonymously.
        return new GcsCredentials(null, settings.endpoint(), "none found (anonymous)");
      }
    }
    if (found.createScopedRequired()) {
      found = found.createScoped(List.of(READ_ONLY_SCOPE));
    }
    return new GcsCredentials(found, settings.endpoint(), source);
  }

  /** Whether requests carry credentials. */
  boolean present() {
    return credentials != null;
  }

  /** Where the credentials came from, for messages (no secret). */
  String source() {
    return source;
  }

  /**
   * The header fields for a request to the store ({@code Authorization}, and {@code
   * x-goog-user-project} when a quota project is set); empty when anonymous.
   *
   * @throws StorageException {@code UNAUTHENTICATED} when no access token could be had
   */
  Map<String, String> headers() {
    if (credentials == null) {
      return Map.of();
    }
    Map<String, List<String>> metadata;
    try {
      metadata = credentials.getRequestMetadata(endpoint);
    } catch (IOException | RuntimeException e) {
      throw new StorageException(
          Kind.UNAUTHENTICATED,
          "Cannot get an access token for Google Cloud Storage from "
              + source
              + ": "
              + Optional.ofNullable(e.getMessage()).map(GcsCredentials::oneLine).orElse("" + e),
          e);
    }
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    metadata.forEach(
        (name, values) -> {
          if (!values.isEmpty()) {
            headers.put(name, String.join(",", values));
          }
        });
    return headers;
  }

  /**
   * The library's message (with the token endpoint's error) on one line, at most 400 characters.
   */
  private static String oneLine(String message) {
    String line = message.replaceAll("\\s+", " ").trim();
    return line.length() > 400 ? line.substring(0, 400) + "…" : line;
  }
}
