package io.storageinit.azure;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.util.Configuration;
import com.azure.core.util.ConfigurationBuilder;
import com.azure.identity.ChainedTokenCredentialBuilder;
import com.azure.identity.ClientCertificateCredentialBuilder;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.identity.WorkloadIdentityCredentialBuilder;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Azure AD access tokens for the Blob service, through Azure's identity library, in the order of
 * KServe's default credential chain for a workload: a client secret or certificate ({@code
 * AZURE_TENANT_ID}, {@code AZURE_CLIENT_SECRET} or {@code AZURE_CLIENT_CERTIFICATE_PATH}), workload
 * identity ({@code AZURE_FEDERATED_TOKEN_FILE}), then the managed identity of {@code
 * AZURE_CLIENT_ID}. The desktop credentials (Azure CLI, IDEs) have no place in a pod and are left
 * out. A token is reused until five minutes before it expires.
 */
final class AzureAdTokens implements Supplier<String> {
  static final String SCOPE = "https://storage.azure.com/.default";

  private final TokenCredential credential;
  private final String described;
  private AccessToken token;

  private AzureAdTokens(TokenCredential credential, String described) {
    this.credential = credential;
    this.described = described;
  }

  /**
   * @param tls the trust of this run (the system's roots and the CA bundle), for the token endpoint
   *     and the metadata endpoint of managed identities
   */
  static AzureAdTokens create(AzureSettings settings, javax.net.ssl.SSLContext tls) {
    Map<String, String> env = settings.env();
    // The library reads its settings from this configuration, not from the process.
    ConfigurationBuilder config = new ConfigurationBuilder();
    env.forEach(config::putProperty);
    Configuration configuration = config.build();
    HttpClient http =
        new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder().sslContext(tls))
            .connectionTimeout(settings.connectTimeout())
            .configuration(configuration)
            .build();
    String client = env.get("AZURE_CLIENT_ID");
    String tenant = env.get("AZURE_TENANT_ID");
    String authority = env.get("AZURE_AUTHORITY_HOST");
    List<TokenCredential> chain = new ArrayList<>();
    List<String> kinds = new ArrayList<>();
    if (tenant != null && env.containsKey("AZURE_CLIENT_SECRET")) {
      ClientSecretCredentialBuilder b =
          new ClientSecretCredentialBuilder()
              .clientId(client)
              .tenantId(tenant)
              .clientSecret(env.get("AZURE_CLIENT_SECRET"))
              .httpClient(http)
              .configuration(configuration);
      if (authority != null) {
        // A private cloud or a test's authority: not in Microsoft's list of known instances.
        b.authorityHost(authority).disableInstanceDiscovery();
      }
      chain.add(b.build());
      kinds.add("client secret");
    } else if (tenant != null && env.containsKey("AZURE_CLIENT_CERTIFICATE_PATH")) {
      ClientCertificateCredentialBuilder b =
          new ClientCertificateCredentialBuilder()
              .clientId(client)
              .tenantId(tenant)
              .httpClient(http)
              .configuration(configuration);
      String path = env.get("AZURE_CLIENT_CERTIFICATE_PATH");
      String password = env.get("AZURE_CLIENT_CERTIFICATE_PASSWORD");
      if (password != null) {
        b.pfxCertificate(path).clientCertificatePassword(password);
      } else {
        b.pemCertificate(path);
      }
      if (authority != null) {
        // A private cloud or a test's authority: not in Microsoft's list of known instances.
        b.authorityHost(authority).disableInstanceDiscovery();
      }
      chain.add(b.build());
      kinds.add("client certificate");
    }
    if (tenant != null && env.containsKey("AZURE_FEDERATED_TOKEN_FILE")) {
      WorkloadIdentityCredentialBuilder b =
          new WorkloadIdentityCredentialBuilder()
              .clientId(client)
              .tenantId(tenant)
              .tokenFilePath(env.get("AZURE_FEDERATED_TOKEN_FILE"))
              .httpClient(http)
              .configuration(configuration);
      if (authority != null) {
        // A private cloud or a test's authority: not in Microsoft's list of known instances.
        b.authorityHost(authority).disableInstanceDiscovery();
      }
      chain.add(b.build());
      kinds.add("workload identity");
    }
    chain.add(
        new ManagedIdentityCredentialBuilder()
            .clientId(client)
            .httpClient(http)
            .configuration(configuration)
            .build());
    kinds.add("managed identity");
    TokenCredential credential =
        chain.size() == 1
            ? chain.get(0)
            : new ChainedTokenCredentialBuilder().addAll(chain).build();
    return new AzureAdTokens(credential, String.join(", then ", kinds));
  }

  @Override
  public synchronized String get() {
    if (token == null
        || token.getExpiresAt().isBefore(OffsetDateTime.now().plus(Duration.ofMinutes(5)))) {
      try {
        token = credential.getTokenSync(new TokenRequestContext().addScopes(SCOPE));
      } catch (RuntimeException e) {
        throw new StorageException(
            Kind.UNAUTHENTICATED,
            "Cannot get an Azure AD token for Azure Storage (tried "
                + described
                + " for AZURE_CLIENT_ID): "
                + oneLine(String.valueOf(e.getMessage())),
            e);
      }
      if (token == null) {
        throw new StorageException(
            Kind.UNAUTHENTICATED,
            "Azure AD gave no token for Azure Storage (tried " + described + ")");
      }
    }
    return token.getToken();
  }

  private static String oneLine(String message) {
    String line = message.replaceAll("\\s+", " ").trim();
    return line.length() > 400 ? line.substring(0, 400) + "…" : line;
  }
}
