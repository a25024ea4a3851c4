package io.storageinit.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
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
      Map<String, String> form = new HashMap<>();
      for (String pair :
          new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          form.put(
              URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
              URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
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
  }
}
