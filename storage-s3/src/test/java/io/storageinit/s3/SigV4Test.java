package io.storageinit.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/** Holds {@link SigV4} to the AWS SDK's signer, which S3 itself is known to accept. */
class SigV4Test {
  private static final Instant NOW = Instant.parse("2026-11-25T10:31:07Z");
  private static final String ID = "AKIAIOSFODNN7EXAMPLE";
  private static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

  /** What the SDK's signer makes of the same request. */
  private static Map<String, String> sdk(
      String method,
      String host,
      int port,
      String encodedPath,
      Map<String, String> query,
      Map<String, String> headers,
      String region,
      String token) {
    SdkHttpRequest.Builder b =
        SdkHttpRequest.builder()
            .method(SdkHttpMethod.valueOf(method))
            .protocol("https")
            .host(host)
            .port(port)
            .encodedPath(encodedPath);
    query.forEach(b::putRawQueryParameter);
    headers.forEach(b::putHeader);
    b.putHeader("x-amz-content-sha256", SigV4.EMPTY_SHA256);
    AwsCredentialsIdentity id =
        token == null
            ? AwsCredentialsIdentity.create(ID, SECRET)
            : AwsSessionCredentialsIdentity.create(ID, SECRET, token);
    SdkHttpRequest signed =
        AwsV4HttpSigner.create()
            .sign(
                r ->
                    r.identity(id)
                        .request(b.build())
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                        .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
                        .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
                        .putProperty(
                            AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(NOW, ZoneOffset.UTC)))
            .request();
    Map<String, String> out = new TreeMap<>();
    signed.forEachHeader((k, v) -> out.put(k.toLowerCase(java.util.Locale.ROOT), v.get(0)));
    // The order parameters are sent in does not matter; their encoding does.
    out.put(
        "query",
        String.join(
            "&",
            new java.util.TreeSet<>(
                java.util.List.of(signed.encodedQueryParameters().orElse("").split("&")))));
    return out;
  }

  private static Map<String, String> ours(
      String method,
      String host,
      String encodedPath,
      Map<String, String> query,
      Map<String, String> headers,
      String region,
      String token) {
    TreeMap<String, String> h = new TreeMap<>();
    headers.forEach((k, v) -> h.put(k.toLowerCase(java.util.Locale.ROOT), v));
    h.put("host", host);
    new SigV4().sign(method, encodedPath, query, h, region, ID, SECRET, token, NOW);
    h.put("query", SigV4.canonicalQuery(query));
    return h;
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "GET|models/v1/model.safetensors|us-east-1",
        "HEAD|a key with spaces+plus&amp=eq?q#h|eu-west-1",
        "GET|unicode/ünïcødé/模型/€.bin|ap-southeast-2",
        "GET|tilde~_-./*'()!$,;:@|us-gov-west-1",
        "GET|double//slashes/./dots/../end|cn-north-1",
      })
  void objectRequestsAreSignedAsTheSdkSignsThem(String method, String key, String region) {
    String path = "/bucket/" + SigV4.uriEncode(key, true);
    Map<String, String> headers = Map.of("Range", "bytes=0-1023", "If-Match", "\"abc\"");
    assertThat(ours(method, "s3.example.com:9000", path, Map.of(), headers, region, null))
        .isEqualTo(sdk(method, "s3.example.com", 9000, path, Map.of(), headers, region, null));
  }

  @Test
  void listingsWithContinuationTokensAndSessionTokensAreSignedAsTheSdkSignsThem() {
    Map<String, String> query = new LinkedHashMap<>();
    query.put("list-type", "2");
    query.put("prefix", "models/a b+c/ü/");
    query.put("encoding-type", "url");
    query.put("continuation-token", "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
    String token = "FwoGZXIvYXdzEBYaDH/+session=token";
    assertThat(ours("GET", "bucket.s3.amazonaws.com", "/", query, Map.of(), "us-east-1", token))
        .isEqualTo(
            sdk("GET", "bucket.s3.amazonaws.com", 443, "/", query, Map.of(), "us-east-1", token));
  }

  @Test
  void theSigningKeyFollowsTheDayAndTheRegion() {
    SigV4 signer = new SigV4();
    TreeMap<String, String> a = new TreeMap<>(Map.of("host", "h"));
    TreeMap<String, String> b = new TreeMap<>(Map.of("host", "h"));
    TreeMap<String, String> c = new TreeMap<>(Map.of("host", "h"));
    signer.sign("GET", "/", Map.of(), a, "us-east-1", ID, SECRET, null, NOW);
    signer.sign("GET", "/", Map.of(), b, "eu-west-1", ID, SECRET, null, NOW);
    signer.sign("GET", "/", Map.of(), c, "us-east-1", ID, SECRET, null, NOW.plusSeconds(86_400));
    assertThat(b.get("authorization")).contains("/eu-west-1/s3/aws4_request");
    assertThat(c.get("authorization")).contains("Credential=" + ID + "/20261126/us-east-1/");
    assertThat(ours("GET", "h", "/", Map.of(), Map.of(), "us-east-1", null).get("authorization"))
        .isEqualTo(a.get("authorization"));
  }

  @Test
  void theAmzDateIsWhatTheFormatterOfTheSpecWrites() {
    java.time.format.DateTimeFormatter spec =
        java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(java.time.ZoneOffset.UTC);
    java.util.Random random = new java.util.Random(11);
    for (int i = 0; i < 2000; i++) {
      java.time.Instant t =
          java.time.Instant.ofEpochMilli((long) (random.nextDouble() * 4_102_444_800_000L));
      assertThat(SigV4.amzDate(t)).isEqualTo(spec.format(t));
    }
    assertThat(SigV4.amzDate(java.time.Instant.parse("2013-05-24T00:00:00Z")))
        .isEqualTo("20130524T000000Z");
  }

  @Test
  void hmacIsRfc2104AsTheJdksMacComputesIt() throws Exception {
    // RFC 4231, test case 1.
    byte[] key = new byte[20];
    java.util.Arrays.fill(key, (byte) 0x0b);
    assertThat(
            java.util.HexFormat.of()
                .formatHex(
                    SigV4.hmac(
                        SigV4.newSha256(),
                        key,
                        "Hi There".getBytes(java.nio.charset.StandardCharsets.US_ASCII))))
        .isEqualTo("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    java.util.Random random = new java.util.Random(5);
    java.security.MessageDigest sha256 = SigV4.newSha256();
    for (int keyLength : new int[] {0, 1, 32, 63, 64, 65, 131}) {
      for (int dataLength : new int[] {0, 1, 55, 56, 64, 300}) {
        byte[] k = new byte[keyLength];
        byte[] data = new byte[dataLength];
        random.nextBytes(k);
        random.nextBytes(data);
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        // The JDK refuses an empty key; a single zero byte pads to the same block.
        mac.init(
            new javax.crypto.spec.SecretKeySpec(keyLength == 0 ? new byte[1] : k, "HmacSHA256"));
        byte[] expected = mac.doFinal(data);
        assertThat(SigV4.hmac(sha256, k, data))
            .as(keyLength + "/" + dataLength)
            .isEqualTo(expected);
      }
    }
  }
}
