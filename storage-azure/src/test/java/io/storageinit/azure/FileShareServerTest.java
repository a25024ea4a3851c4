package io.storageinit.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.util.Context;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.sas.AccountSasPermission;
import com.azure.storage.common.sas.AccountSasResourceType;
import com.azure.storage.common.sas.AccountSasService;
import com.azure.storage.common.sas.AccountSasSignatureValues;
import com.azure.storage.file.share.ShareClient;
import com.azure.storage.file.share.ShareServiceClient;
import com.azure.storage.file.share.ShareServiceClientBuilder;
import com.azure.storage.file.share.models.ShareFileRange;
import com.azure.storage.file.share.models.ShareStorageException;
import com.azure.storage.file.share.options.ShareListFilesAndDirectoriesOptions;
import com.azure.storage.file.share.sas.ShareSasPermission;
import com.azure.storage.file.share.sas.ShareServiceSasSignatureValues;
import java.io.ByteArrayOutputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * Holds the File share test server to the official Java client ({@code azure-storage-file-share}):
 * the client's listings, downloads and properties, its SharedKey signatures, and the SAS tokens it
 * makes, are all accepted; a wrong key, an expired SAS and a SAS without the permission are refused
 * as the service refuses them.
 */
class FileShareServerTest {
  static final String KEY = Azurite.KEY;

  @TempDir Path tmp;
  FileShareServer server;
  byte[] weights = new byte[300_000];

  @BeforeEach
  void start() throws Exception {
    new Random(3).nextBytes(weights);
    server = new FileShareServer(tmp.resolve("shares"), Azurite.ACCOUNT, KEY).pageSize(2);
    server.put("models", "m/v1/config.json", "{}".getBytes(StandardCharsets.UTF_8));
    server.put("models", "m/v1/w.bin", weights);
    server.put("models", "m/v1/sub/a.txt", "a".getBytes(StandardCharsets.UTF_8));
    server.put("models", "m/v1/sub/b.txt", "b".getBytes(StandardCharsets.UTF_8));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** The client keeps only the scheme and host of an endpoint: this policy puts the port back. */
  HttpPipelinePolicy port() {
    return new HttpPipelinePolicy() {
      @Override
      public Mono<HttpResponse> process(HttpPipelineCallContext c, HttpPipelineNextPolicy next) {
        fix(c);
        return next.process();
      }

      @Override
      public HttpResponse processSync(HttpPipelineCallContext c, HttpPipelineNextSyncPolicy next) {
        fix(c);
        return next.processSync();
      }

      private void fix(HttpPipelineCallContext c) {
        URL u = c.getHttpRequest().getUrl();
        try {
          c.getHttpRequest()
              .setUrl(new URL(u.getProtocol(), u.getHost(), server.port(), u.getFile()));
        } catch (MalformedURLException e) {
          throw new IllegalStateException(e);
        }
      }
    };
  }

  ShareServiceClient client(Consumer<ShareServiceClientBuilder> auth) {
    ShareServiceClientBuilder b =
        new ShareServiceClientBuilder()
            .endpoint("http://127.0.0.1:" + server.port())
            .httpClient(new JdkHttpClientBuilder().build())
            .addPolicy(port());
    auth.accept(b);
    return b.buildClient();
  }

  ShareServiceClient withKey(String key) {
    return client(b -> b.credential(new StorageSharedKeyCredential(Azurite.ACCOUNT, key)));
  }

  static List<String> names(ShareClient share, String dir) {
    return share
        .getDirectoryClient(dir)
        .listFilesAndDirectories(
            new ShareListFilesAndDirectoriesOptions().setMaxResultsPerPage(2), null, Context.NONE)
        .stream()
        .map(i -> i.getName() + (i.isDirectory() ? "/" : " " + i.getFileSize()))
        .toList();
  }

  @Test
  void theClientListsPageByPageDownloadsAndReadsPropertiesWithItsSharedKey() {
    ShareClient share = withKey(KEY).getShareClient("models");
    assertThat(names(share, "m/v1")).containsExactly("config.json 2", "sub/", "w.bin 300000");
    assertThat(names(share, "m/v1/sub")).containsExactly("a.txt 1", "b.txt 1");

    var file = share.getDirectoryClient("m/v1").getFileClient("w.bin");
    assertThat(file.getProperties().getContentLength()).isEqualTo(weights.length);
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    file.download(all);
    assertThat(all.toByteArray()).isEqualTo(weights);
    ByteArrayOutputStream part = new ByteArrayOutputStream();
    file.downloadWithResponse(part, new ShareFileRange(1000, 1999L), false, null, Context.NONE);
    assertThat(part.toByteArray()).isEqualTo(java.util.Arrays.copyOfRange(weights, 1000, 2000));
    assertThat(server.authorizations()).isNotEmpty().allMatch(a -> a.equals("SharedKey"));
  }

  @Test
  void aWrongKeyIsRefusedAsTheServiceRefusesIt() {
    byte[] wrong = new byte[64];
    new Random(1).nextBytes(wrong);
    ShareClient share =
        withKey(java.util.Base64.getEncoder().encodeToString(wrong)).getShareClient("models");
    assertThatThrownBy(() -> names(share, "m/v1"))
        .isInstanceOfSatisfying(
            ShareStorageException.class,
            e -> {
              assertThat(e.getStatusCode()).isEqualTo(403);
              assertThat(e.getErrorCode().toString()).isEqualTo("AuthenticationFailed");
            });
  }

  @Test
  void theSasTokensTheClientMakesAreCheckedForSignatureExpiryAndPermission() {
    ShareServiceClient signer = withKey(KEY);
    String share =
        signer
            .getShareClient("models")
            .generateSas(
                new ShareServiceSasSignatureValues(
                    OffsetDateTime.now().plusHours(1),
                    new ShareSasPermission().setReadPermission(true).setListPermission(true)));
    ShareClient viaSas = client(b -> b.sasToken(share)).getShareClient("models");
    assertThat(names(viaSas, "m/v1")).hasSize(3);
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    viaSas.getDirectoryClient("m/v1").getFileClient("w.bin").download(all);
    assertThat(all.toByteArray()).isEqualTo(weights);

    String account =
        signer.generateAccountSas(
            new AccountSasSignatureValues(
                OffsetDateTime.now().plusHours(1),
                AccountSasPermission.parse("rl"),
                AccountSasService.parse("f"),
                AccountSasResourceType.parse("sco")));
    assertThat(names(client(b -> b.sasToken(account)).getShareClient("models"), "m/v1")).hasSize(3);

    String expired =
        signer
            .getShareClient("models")
            .generateSas(
                new ShareServiceSasSignatureValues(
                    OffsetDateTime.now().minusMinutes(1),
                    new ShareSasPermission().setReadPermission(true).setListPermission(true)));
    assertThatThrownBy(
            () -> names(client(b -> b.sasToken(expired)).getShareClient("models"), "m/v1"))
        .isInstanceOfSatisfying(
            ShareStorageException.class, e -> assertThat(e.getStatusCode()).isEqualTo(403));
    String readOnly =
        signer
            .getShareClient("models")
            .generateSas(
                new ShareServiceSasSignatureValues(
                    OffsetDateTime.now().plusHours(1),
                    new ShareSasPermission().setReadPermission(true)));
    assertThatThrownBy(
            () -> names(client(b -> b.sasToken(readOnly)).getShareClient("models"), "m/v1"))
        .isInstanceOfSatisfying(
            ShareStorageException.class, e -> assertThat(e.getStatusCode()).isEqualTo(403));
    assertThat(server.authorizations())
        .contains("SAS")
        .anyMatch(a -> a.contains("expired"))
        .anyMatch(a -> a.contains("lacks the permission l"));
  }

  @Test
  void aMissingShareOrFolderIsNotFound() {
    ShareClient missing = withKey(KEY).getShareClient("nothing");
    assertThatThrownBy(() -> names(missing, "m"))
        .isInstanceOfSatisfying(
            ShareStorageException.class, e -> assertThat(e.getStatusCode()).isEqualTo(404));
    ShareClient share = withKey(KEY).getShareClient("models");
    assertThatThrownBy(() -> names(share, "m/v9"))
        .isInstanceOfSatisfying(
            ShareStorageException.class, e -> assertThat(e.getStatusCode()).isEqualTo(404));
  }
}
