package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The same S3 behaviour against MinIO itself, where a Docker engine runs; skipped cleanly where
 * none does (S3IT covers it against S3Proxy everywhere).
 */
@Testcontainers(disabledWithoutDocker = true)
class S3MinioContainerIT {
  @Container
  static final MinIOContainer MINIO =
      new MinIOContainer("minio/minio:RELEASE.2024-12-18T13-15-44Z");

  @TempDir Path tmp;

  @Test
  void aPrefixLandsAsItsTreeFromMinio() throws Exception {
    MinioClient minio =
        MinioClient.builder()
            .endpoint(MINIO.getS3URL())
            .credentials(MINIO.getUserName(), MINIO.getPassword())
            .build();
    minio.makeBucket(MakeBucketArgs.builder().bucket("models").build());
    for (String key : new String[] {"m/v1/a.bin", "m/v1/sub/b.bin", "m/v10/c.bin"}) {
      byte[] data = key.getBytes();
      minio.putObject(
          PutObjectArgs.builder().bucket("models").object(key).stream(
                  new ByteArrayInputStream(data), data.length, -1)
              .build());
    }
    Path dest = tmp.resolve("out");
    Cli.Result r =
        Cli.run(
            Map.of(
                "AWS_ACCESS_KEY_ID", MINIO.getUserName(),
                "AWS_SECRET_ACCESS_KEY", MINIO.getPassword(),
                "AWS_ENDPOINT_URL", MINIO.getS3URL()),
            "s3://models/m/v1",
            dest.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(Cli.tree(dest)).containsOnlyKeys("a.bin", "sub", "sub/b.bin");
  }
}
