/** The S3 provider: {@code s3://bucket/key} and {@code s3://bucket/prefix} with the AWS SDK v2. */
package io.storageinit.s3;
