package io.storageinit.s3;

import io.storageinit.api.ProviderContext;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageProvider;
import io.storageinit.kit.HttpProxies;
import io.storageinit.kit.TlsContexts;
import java.util.Set;

/**
 * Serves {@code s3://bucket/key} (one object) and {@code s3://bucket/prefix} (every object below
 * the folder {@code prefix/}) from AWS S3 and S3-compatible stores, configured as KServe configures
 * its initializer: {@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY}, {@code
 * AWS_ENDPOINT_URL} or {@code S3_ENDPOINT} + {@code S3_USE_HTTPS}, {@code S3_VERIFY_SSL}, {@code
 * AWS_DEFAULT_REGION}, {@code AWS_CA_BUNDLE}, {@code CA_BUNDLE_CONFIGMAP_NAME}, {@code
 * awsAnonymousCredential}, {@code S3_USER_VIRTUAL_BUCKET}, {@code S3_USE_ACCELERATE}, {@code
 * S3_CONNECT_TIMEOUT}, {@code S3_READ_TIMEOUT}, {@code S3_MAX_ATTEMPTS}, and {@code STORAGE_CONFIG}
 * of type s3. Without keys the SDK's default chain applies (web identity / IRSA, profiles, instance
 * metadata).
 */
@StorageProvider.Descriptor(name = "s3", schemes = "s3")
public final class S3StorageProvider implements StorageProvider {

  @Override
  public Set<String> secretKeys() {
    return Set.of("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "secret_access_key");
  }

  @Override
  public StorageClient open(ProviderContext context) {
    S3Settings settings = S3Settings.from(context);
    return new S3StorageClient(
        settings,
        () -> TlsContexts.create(settings.caBundle(), settings.verifySsl()),
        HttpProxies.from(context),
        io.storageinit.kit.MinimumRate.from(context));
  }
}
