package io.storageinit.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.storageinit.kit.HttpProxies;
import io.storageinit.tck.TestProviderContext;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where requests for a bucket go, and which region they are signed for. No network needed. */
class S3EndpointsTest {
  private static String at(Map<String, String> env, String bucket, String region) {
    Map<String, String> all = new HashMap<>(env);
    all.put("AWS_ACCESS_KEY_ID", "id");
    all.put("AWS_SECRET_ACCESS_KEY", "secret");
    TestProviderContext context = new TestProviderContext(all);
    S3Settings settings = S3Settings.from(context);
    S3Transport.BucketEndpoint e =
        new S3Transport(
                settings,
                () -> {
                  throw new AssertionError("no TLS is needed to resolve an endpoint");
                },
                HttpProxies.from(context),
                S3Transport.credentials(settings))
            .resolve(bucket, region);
    return e.base() + " " + e.region();
  }

  @Test
  void aCustomEndpointIsPathStyleUnlessVirtualBucketsAreAskedFor() {
    Map<String, String> minio = Map.of("AWS_ENDPOINT_URL", "http://minio.kubeflow:9000");
    assertThat(at(minio, "models", "us-east-1"))
        .isEqualTo("http://minio.kubeflow:9000/models us-east-1");
    Map<String, String> virtual = new HashMap<>(minio);
    virtual.put("S3_USER_VIRTUAL_BUCKET", "true");
    assertThat(at(virtual, "models", "us-east-1"))
        .isEqualTo("http://models.minio.kubeflow:9000 us-east-1");
    assertThat(at(Map.of("S3_ENDPOINT", "ceph.local/rgw", "S3_USE_HTTPS", "0"), "m", "r1"))
        .isEqualTo("http://ceph.local/rgw/m r1");
  }

  @Test
  void awsItselfFollowsTheSdksEndpointRules() {
    Map<String, String> aws = Map.of();
    assertThat(at(aws, "models", "eu-west-1"))
        .isEqualTo("https://models.s3.eu-west-1.amazonaws.com eu-west-1");
    // A bucket name with dots cannot be a TLS host name: path style.
    assertThat(at(aws, "my.models", "eu-west-1"))
        .isEqualTo("https://s3.eu-west-1.amazonaws.com/my.models eu-west-1");
    assertThat(at(aws, "models", "cn-north-1"))
        .isEqualTo("https://models.s3.cn-north-1.amazonaws.com.cn cn-north-1");
    assertThat(at(Map.of("S3_USE_ACCELERATE", "true"), "models", "us-west-2"))
        .isEqualTo("https://models.s3-accelerate.amazonaws.com us-west-2");
    assertThat(at(Map.of("AWS_USE_FIPS_ENDPOINT", "true"), "models", "us-east-1"))
        .isEqualTo("https://models.s3-fips.us-east-1.amazonaws.com us-east-1");
    assertThat(at(Map.of("AWS_USE_DUALSTACK_ENDPOINT", "true"), "models", "us-east-2"))
        .isEqualTo("https://models.s3.dualstack.us-east-2.amazonaws.com us-east-2");
  }
}
