package io.storageinit.kit;

import java.util.regex.Pattern;

/**
 * URIs as they may appear in logs and error messages: without user info, and with the values of
 * query parameters that carry signatures or tokens (pre-signed S3, GCS and Azure SAS URLs, {@code
 * token=}, {@code key=}) masked.
 *
 * @since 0.4
 */
public final class Uris {
  /** What a masked value is replaced with. */
  public static final String MASK = "****";

  private static final Pattern USER_INFO =
      Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://)[^/@?#]*@");
  private static final Pattern SECRET_QUERY =
      Pattern.compile(
          "(?i)([?&](?:x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential|x-goog-security-token|signature|sig|token|access_token|id_token|refresh_token|key|api_key|apikey|api-key|client_secret|secret|password|passwd|auth)=)[^&#]*");

  private Uris() {}

  /** {@code uri} with user info dropped and secret query values masked. */
  public static String redact(String uri) {
    String s = USER_INFO.matcher(uri).replaceFirst("$1");
    return SECRET_QUERY.matcher(s).replaceAll("$1" + MASK);
  }
}
