package io.visionlake.udfs.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one masking of credentials carried inside URIs, for any text that is shown or stored: log
 * lines, exception messages, {@code job_runs.arguments} and {@code job_runs.message}. Masked are the
 * user info of a URI ({@code s3a://KEY:SECRET@bucket/x} becomes {@code s3a://***@bucket/x}, {@code
 * https://user:pass@host/x} becomes {@code https://***@host/x}) and the values of query parameters
 * that authenticate (pre-signed S3 and GCS URLs, {@code token=}, {@code sig=}, ...). Works on free
 * text, so a message that quotes a path anywhere is masked as a whole; it may over-mask a path that
 * has a ':' before an '@', which is harmless in a message.
 */
public final class Credentials {
  public static final String MASK = "***";
  /** {@code scheme://} then user info up to the '@': with a ':' (user:secret) the secret may hold '/'. */
  private static final Pattern USER_INFO = Pattern.compile("\\b([a-zA-Z][a-zA-Z0-9+.-]*://)(?:[^\\s/@?#:]*:[^\\s@]*|[^\\s/@?#]+)@");
  private static final Pattern SECRET_PARAM = Pattern.compile("(?i)([?&;](?:x-amz-signature|x-amz-credential|x-amz-security-token"
      + "|x-goog-signature|x-goog-credential|signature|sig|token|access_token|id_token|auth|password|passwd|pwd|secret"
      + "|api_key|apikey|key|client_secret|sv_token)=)[^&\\s#\"']+");

  private Credentials() {}

  /** {@code text} with every URI credential replaced by {@code ***}; null stays null. */
  public static String mask(String text) {
    if (text == null || (text.indexOf('@') < 0 && text.indexOf('=') < 0)) {
      return text;
    }
    String out = USER_INFO.matcher(text).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + MASK + "@"));
    return SECRET_PARAM.matcher(out).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + "*****"));
  }

  /** Whether {@code uri} carries user info ({@code scheme://user[:secret]@...}). */
  public static boolean hasUserInfo(String uri) {
    return uri != null && USER_INFO.matcher(uri).lookingAt();
  }
}
