package io.storageinit.it;

import io.storageinit.azure.Azurite;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * For {@code bench/azure-ad-bench.sh}: Azurite over https taking bearer tokens, an Azure AD token
 * endpoint, and one blob, all on 127.0.0.1; writes the environment of a run with Azure AD and one
 * with the account key to {@code DIR/ad.env} and {@code DIR/key.env}, then serves until its
 * standard input closes.
 *
 * <p>{@code java ... io.storageinit.it.AzureAdBenchServers DIR BLOB_MIB}
 */
public final class AzureAdBenchServers {
  private AzureAdBenchServers() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int mib = Integer.parseInt(args[1]);
    Files.createDirectories(dir);
    TestCertificates certs = TestCertificates.create(dir);
    Path ca = Files.createDirectories(dir.resolve("custom-certs"));
    Files.copy(
        certs.pem(), ca.resolve("cabundle.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    String tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    String client = "0d5e4b4e-3c4f-4a5b-9d2e-1f2a3b4c5d6e";
    String secret = "bench-secret";
    try (Azurite azurite =
            Azurite.startHttps(certs.keystore(), certs.password(), certs.trustContext());
        AzureAdServer aad = new AzureAdServer(certs, tenant, client, secret, null)) {
      azurite.createContainer("bench", null);
      byte[] data = new byte[mib << 20];
      new Random(1).nextBytes(data);
      azurite.put("bench", "m/model.bin", data);
      azurite.put("bench", "m/config.json", "{}".getBytes(StandardCharsets.UTF_8));
      String common =
          "AZURE_BLOB_ENDPOINT="
              + azurite.endpoint()
              + "\nCA_BUNDLE_CONFIGMAP_NAME=custom-certs\nCA_BUNDLE_VOLUME_MOUNT_POINT="
              + ca
              + "\nSTORAGE_VALIDATORS=none\n";
      Files.writeString(
          dir.resolve("ad.env"),
          common
              + "AZURE_AUTHORITY_HOST="
              + aad.authorityHost()
              + "\nAZURE_TENANT_ID="
              + tenant
              + "\nAZURE_CLIENT_ID="
              + client
              + "\nAZURE_CLIENT_SECRET="
              + secret
              + "\n");
      Files.writeString(
          dir.resolve("key.env"), common + "AZURE_STORAGE_ACCESS_KEY=" + Azurite.KEY + "\n");
      Files.writeString(dir.resolve("ready"), "ready\n");
      System.in.transferTo(java.io.OutputStream.nullOutputStream());
    }
  }
}
