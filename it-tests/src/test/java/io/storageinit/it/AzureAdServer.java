package io.storageinit.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An Azure AD token endpoint over https on 127.0.0.1 ({@code AZURE_AUTHORITY_HOST}), as Microsoft's
 * identity platform answers an app's client-credentials request: {@code POST
 * /<tenant>/oauth2/v2.0/token} with either the app's client secret or a federated token (workload
 * identity) as its assertion, for the scope {@code https://storage.azure.com/.default}. It grants
 * an access token Azure Storage takes (issuer {@code https://sts.windows.net/<tenant>/}, audience
 * {@code https://storage.azure.com}) and refuses anything else with {@code invalid_client}.
 */
final class AzureAdServer implements AutoCloseable {
  final HttpsServer server;
  final String tenant;
  final String clientId;
  final String secret;
  final String federatedToken;

  /** How each grant was made: "client_secret" or "federated", or "refused: why". */
  final List<String> grants = new CopyOnWriteArrayList<>();

  final List<String> accessTokens = new CopyOnWriteArrayList<>();

  /** The app's certificate, whose key signs its client assertions; null: none registered. */
  volatile java.security.cert.X509Certificate certificate;

  /**
   * An App Service managed-identity endpoint (plain http, as App Service runs it): {@code
   * IDENTITY_ENDPOINT}, with {@link #identityHeader} as {@code IDENTITY_HEADER}.
   */
  final com.sun.net.httpserver.HttpServer managedIdentity;

  final String identityHeader = "ih-" + java.util.UUID.randomUUID();

  AzureAdServer(
      TestCertificates certs, String tenant, String clientId, String secret, String federatedToken)
      throws Exception {
    this.tenant = tenant;
    this.clientId = clientId;
    this.secret = secret;
    this.federatedToken = federatedToken;
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(certs.serverContext()));
    server.createContext("/", this::handle);
    server.start();
    managedIdentity =
        com.sun.net.httpserver.HttpServer.create(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    managedIdentity.createContext("/msi/token", this::managedIdentity);
    managedIdentity.start();
  }

  /** {@code IDENTITY_ENDPOINT}. */
  String identityEndpoint() {
    return "http://127.0.0.1:" + managedIdentity.getAddress().getPort() + "/msi/token";
  }

  private void managedIdentity(HttpExchange x) throws IOException {
    try (x) {
      Map<String, String> q = Forms.parse(x.getRequestURI().getRawQuery());
      if (!identityHeader.equals(x.getRequestHeaders().getFirst("X-IDENTITY-HEADER"))
          || !String.valueOf(q.get("resource")).startsWith("https://storage.azure.com")
          || !clientId.equals(q.get("client_id"))) {
        grants.add("refused: managed identity " + q + " " + x.getRequestHeaders().keySet());
        send(x, 400, "{\"error\": \"invalid_request\"}");
        return;
      }
      grants.add("managed_identity");
      String token = accessToken();
      accessTokens.add(token);
      long expires = System.currentTimeMillis() / 1000 + 3599;
      send(
          x,
          200,
          "{\"access_token\": \""
              + token
              + "\", \"expires_on\": \""
              + expires
              + "\", \"resource\": \"https://storage.azure.com\", \"token_type\": \"Bearer\","
              + " \"client_id\": \""
              + clientId
              + "\"}");
    }
  }

  /** Whether {@code jwt} is a client assertion of this app signed by its certificate's key. */
  private boolean signedByCertificate(String jwt) {
    java.security.cert.X509Certificate cert = certificate;
    String[] parts = String.valueOf(jwt).split("\\.");
    if (cert == null || parts.length != 3) {
      return false;
    }
    try {
      String header = new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
      String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
      java.security.Signature verifier;
      if (header.contains("\"PS256\"")) {
        verifier = java.security.Signature.getInstance("RSASSA-PSS");
        verifier.setParameter(
            new java.security.spec.PSSParameterSpec(
                "SHA-256", "MGF1", java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
      } else if (header.contains("\"RS256\"")) {
        verifier = java.security.Signature.getInstance("SHA256withRSA");
      } else {
        return false;
      }
      verifier.initVerify(cert.getPublicKey());
      verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      return verifier.verify(Base64.getUrlDecoder().decode(parts[2]))
          && claims.contains("\"iss\":\"" + clientId + "\"")
          && claims.contains("\"sub\":\"" + clientId + "\"");
    } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  /** {@code AZURE_AUTHORITY_HOST}. */
  String authorityHost() {
    return "https://127.0.0.1:" + server.getAddress().getPort() + "/";
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      if (!x.getRequestMethod().equals("POST")
          || !x.getRequestURI().getPath().equals("/" + tenant + "/oauth2/v2.0/token")) {
        grants.add("refused: " + x.getRequestMethod() + " " + x.getRequestURI());
        send(x, 404, "{\"error\": \"invalid_request\"}");
        return;
      }
      Map<String, String> form =
          Forms.parse(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      String how = null;
      if (!clientId.equals(form.get("client_id"))
          || !"client_credentials".equals(form.get("grant_type"))
          || !String.valueOf(form.get("scope")).contains("https://storage.azure.com/.default")) {
        how = "refused: " + form.keySet();
      } else if (secret != null && secret.equals(form.get("client_secret"))) {
        how = "client_secret";
      } else if (federatedToken != null
          && "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
              .equals(form.get("client_assertion_type"))
          && federatedToken.equals(form.get("client_assertion"))) {
        how = "federated";
      } else if ("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
              .equals(form.get("client_assertion_type"))
          && signedByCertificate(form.get("client_assertion"))) {
        how = "certificate";
      } else {
        how = "refused: wrong credentials";
      }
      grants.add(how);
      if (how.startsWith("refused")) {
        send(
            x,
            401,
            "{\"error\": \"invalid_client\", \"error_description\": \"AADSTS7000215: Invalid"
                + " client secret provided.\"}");
        return;
      }
      String token = accessToken();
      accessTokens.add(token);
      send(
          x,
          200,
          "{\"token_type\": \"Bearer\", \"expires_in\": 3599, \"ext_expires_in\": 3599,"
              + " \"access_token\": \""
              + token
              + "\"}");
    }
  }

  private String accessToken() {
    long now = System.currentTimeMillis() / 1000;
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String header = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes());
    String claims =
        b64.encodeToString(
            ("{\"aud\":\"https://storage.azure.com\",\"iss\":\"https://sts.windows.net/"
                    + tenant
                    + "/\",\"iat\":"
                    + (now - 5)
                    + ",\"nbf\":"
                    + (now - 5)
                    + ",\"exp\":"
                    + (now + 3599)
                    + ",\"appid\":\""
                    + clientId
                    + "\",\"tid\":\""
                    + tenant
                    + "\"}")
                .getBytes(StandardCharsets.UTF_8));
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(
          new SecretKeySpec(("key-of-" + tenant).getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      String sig =
          b64.encodeToString(
              mac.doFinal((header + "." + claims).getBytes(StandardCharsets.US_ASCII)));
      return header + "." + claims + "." + sig;
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void send(HttpExchange x, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    x.sendResponseHeaders(status, body.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    managedIdentity.stop(0);
  }
}
