package io.storageinit.runtime;

import java.util.regex.Pattern;

/** URI helpers shared by logs and errors. */
final class Uris {
  private static final Pattern USER_INFO =
      Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://)[^/@?#]*@");
  private static final Pattern SECRET_QUERY =
      Pattern.compile(
          "(?i)([?&](?:x-amz-signature|x-amz-credential|x-amz-security-token|signature|sig|token|access_token|key|password)=)[^&#]*");

  private Uris() {}

  /**
   * Strips credentials (user info, signed-URL signatures, tokens) from a URI for logs and errors.
   */
  static String redact(String uri) {
    String s = USER_INFO.matcher(uri).replaceFirst("$1");
    return SECRET_QUERY.matcher(s).replaceAll("$1" + Secrets.MASK);
  }
}
