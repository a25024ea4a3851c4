package io.storageinit.s3;

import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.endpoints.AwsEndpointAttribute;
import software.amazon.awssdk.awscore.endpoints.authscheme.EndpointAuthScheme;
import software.amazon.awssdk.awscore.endpoints.authscheme.SigV4AuthScheme;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.endpoints.Endpoint;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointParams;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointProvider;

/**
 * What the S3 plugin takes from the AWS SDK: the default credential chain (web identity, profiles,
 * instance metadata) and AWS's endpoint rules (regions, partitions, FIPS, dual-stack, Transfer
 * Acceleration). Kept in this one class, whose failures leave it as {@link Failure}, so that a run
 * with keys in the environment against a store of its own never loads the SDK: opening its jars
 * costs a cold start about 20 ms.
 */
final class AwsSdk {
  private AwsSdk() {}

  /** A failure inside the SDK: no credentials anywhere in the chain, or an endpoint it refuses. */
  static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean credentials;

    Failure(boolean credentials, String message, Throwable cause) {
      super(message, cause);
      this.credentials = credentials;
    }

    /** Whether no credentials were found, rather than an address refused. */
    boolean credentials() {
      return credentials;
    }
  }

  /**
   * The SDK's default credential chain, asked on every request (it caches and refreshes); one per
   * client, closed with it, rather than the SDK's process-wide instance.
   */
  static final class DefaultChain implements S3Transport.Credentials {
    private final DefaultCredentialsProvider chain = DefaultCredentialsProvider.builder().build();

    @Override
    public void close() {
      chain.close();
    }

    @Override
    public S3Transport.Keys keys() {
      try {
        AwsCredentialsIdentity id = chain.resolveCredentials();
        return new S3Transport.Keys(
            id.accessKeyId(),
            id.secretAccessKey(),
            id instanceof AwsSessionCredentialsIdentity session ? session.sessionToken() : null);
      } catch (SdkException e) {
        throw new Failure(true, e.getMessage(), e);
      }
    }
  }

  private static volatile S3EndpointProvider rules;

  /** Where {@code bucket} is answered on AWS itself, and the region to sign for. */
  static S3Transport.BucketEndpoint resolve(String bucket, String region, S3Settings settings) {
    try {
      if (rules == null) {
        rules = S3EndpointProvider.defaultProvider();
      }
      Endpoint endpoint =
          rules
              .resolveEndpoint(
                  S3EndpointParams.builder()
                      .region(Region.of(region))
                      .bucket(bucket)
                      .accelerate(settings.accelerate())
                      .useFips(settings.useFips())
                      .useDualStack(settings.useDualStack())
                      .forcePathStyle(settings.virtualHosted() ? false : null)
                      .build())
              .join();
      String signingRegion = region;
      for (EndpointAuthScheme scheme :
          Optional.ofNullable(endpoint.attribute(AwsEndpointAttribute.AUTH_SCHEMES))
              .orElse(List.of())) {
        if (scheme instanceof SigV4AuthScheme v4 && v4.signingRegion() != null) {
          signingRegion = v4.signingRegion();
          break;
        }
      }
      return new S3Transport.BucketEndpoint(endpoint.url(), signingRegion);
    } catch (SdkException e) {
      throw new Failure(false, e.getMessage(), e);
    } catch (java.util.concurrent.CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new Failure(false, cause.getMessage(), cause);
    }
  }
}
