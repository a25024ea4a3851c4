package io.storageinit.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Google servers besides the store that the gcs plugin talks to, each on 127.0.0.1: an OAuth
 * token endpoint that takes a service account's signed JWT assertion (checking its signature with
 * the key's public half, its audience, issuer, scope and expiry), and a metadata server as GKE and
 * GCE run one.
 */
final class GoogleServers {
  private GoogleServers() {}

  static HttpServer server() throws IOException {
    return HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
  }

  static String base(HttpServer s) {
    return "http://127.0.0.1:" + s.getAddress().getPort();
  }

  static void answer(HttpExchange x, int status, String contentType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", contentType);
    x.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** A service account: its key file, pointing at a token endpoint that checks its assertions. */
  static final class TokenEndpoint implements AutoCloseable {
    final HttpServer server;
    final KeyPair key;
    final String email = "model-reader@test-project.iam.gserviceaccount.com";
    final String accessToken = "ya29.c.test-" + Long.toHexString(System.nanoTime());
    final AtomicInteger granted = new AtomicInteger();
    final List<String> refusals = new CopyOnWriteArrayList<>();
    volatile boolean refuseAll;

    TokenEndpoint() throws Exception {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      key = g.generateKeyPair();
      server = server();
      server.createContext("/token", this::token);
      server.start();
    }

    String tokenUri() {
      return base(server) + "/token";
    }

    /** Writes the service account's key file, as the console gives it, to {@code file}. */
    Path keyFile(Path file) throws IOException {
      // JSON holds the PEM's line breaks as \n escapes.
      String pem =
          ("-----BEGIN PRIVATE KEY-----\n"
                  + Base64.getMimeEncoder(64, new byte[] {'\n'})
                      .encodeToString(key.getPrivate().getEncoded())
                  + "\n-----END PRIVATE KEY-----\n")
              .replace("\n", "\\n");
      Files.writeString(
          file,
          "{\"type\": \"service_account\", \"project_id\": \"test-project\","
              + " \"private_key_id\": \"k1\", \"private_key\": \""
              + pem
              + "\", \"client_email\": \""
              + email
              + "\", \"client_id\": \"1\", \"token_uri\": \""
              + tokenUri()
              + "\"}");
      return file;
    }

    private void token(HttpExchange x) throws IOException {
      Map<String, String> form =
          Forms.parse(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      String problem = check(form);
      if (problem != null || refuseAll) {
        refusals.add(problem == null ? "refused" : problem);
        answer(
            x,
            400,
            "application/json",
            "{\"error\": \"invalid_grant\", \"error_description\": \"Invalid JWT Signature.\"}");
        return;
      }
      granted.incrementAndGet();
      answer(
          x,
          200,
          "application/json",
          "{\"access_token\": \""
              + accessToken
              + "\", \"expires_in\": 3599, \"token_type\": \"Bearer\"}");
    }

    /** What is wrong with the assertion, or null. */
    private String check(Map<String, String> form) {
      if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(form.get("grant_type"))) {
        return "grant_type " + form.get("grant_type");
      }
      String[] jwt = String.valueOf(form.get("assertion")).split("\\.");
      if (jwt.length != 3) {
        return "not a JWT";
      }
      try {
        Signature rs256 = Signature.getInstance("SHA256withRSA");
        rs256.initVerify((RSAPublicKey) key.getPublic());
        rs256.update((jwt[0] + "." + jwt[1]).getBytes(StandardCharsets.US_ASCII));
        if (!rs256.verify(Base64.getUrlDecoder().decode(jwt[2]))) {
          return "bad signature";
        }
      } catch (Exception e) {
        return "signature: " + e;
      }
      String header = new String(Base64.getUrlDecoder().decode(jwt[0]), StandardCharsets.UTF_8);
      String claims = new String(Base64.getUrlDecoder().decode(jwt[1]), StandardCharsets.UTF_8);
      if (!header.contains("\"RS256\"")) {
        return "alg: " + header;
      }
      if (!claims.contains("\"iss\":\"" + email + "\"")) {
        return "iss: " + claims;
      }
      // Google's token endpoint takes assertions addressed to it by this name, wherever it runs.
      if (!claims.contains("\"aud\":\"https://oauth2.googleapis.com/token\"")) {
        return "aud: " + claims;
      }
      if (!claims.contains("devstorage.read_only")) {
        return "scope: " + claims;
      }
      java.util.regex.Matcher exp =
          java.util.regex.Pattern.compile("\"exp\":(\\d+)").matcher(claims);
      if (!exp.find() || Long.parseLong(exp.group(1)) < System.currentTimeMillis() / 1000) {
        return "expired: " + claims;
      }
      return null;
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  /** A metadata server of GKE and GCE: the default service account's access token. */
  static final class MetadataServer implements AutoCloseable {
    final HttpServer server;
    final String accessToken = "ya29.metadata-" + Long.toHexString(System.nanoTime());
    final AtomicInteger tokens = new AtomicInteger();

    MetadataServer() throws IOException {
      server = server();
      server.createContext(
          "/",
          x -> {
            if (!"Google".equals(x.getRequestHeaders().getFirst("Metadata-Flavor"))) {
              answer(x, 403, "text/plain", "Missing Metadata-Flavor:Google header.");
              return;
            }
            x.getResponseHeaders().set("Metadata-Flavor", "Google");
            String path = x.getRequestURI().getPath();
            if (path.equals("/computeMetadata/v1/instance/service-accounts/default/token")) {
              tokens.incrementAndGet();
              answer(
                  x,
                  200,
                  "application/json",
                  "{\"access_token\": \""
                      + accessToken
                      + "\", \"expires_in\": 3599, \"token_type\": \"Bearer\"}");
            } else if (path.equals("/") || path.startsWith("/computeMetadata/v1/")) {
              answer(x, path.equals("/") ? 200 : 404, "text/plain", "");
            } else {
              answer(x, 404, "text/plain", "");
            }
          });
      server.start();
    }

    /** {@code GCE_METADATA_HOST}, as Google's libraries take it. */
    String host() {
      return "127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
