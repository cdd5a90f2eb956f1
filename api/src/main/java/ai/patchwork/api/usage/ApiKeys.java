package ai.patchwork.api.usage;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Who a request is billed to: the API key of its {@code Authorization: Bearer} header, kept only as a hash so that
 * usage records never hold a usable secret; {@value #ANONYMOUS} without one.
 */
public final class ApiKeys {
  /** The key id of requests without a bearer token. */
  public static final String ANONYMOUS = "anonymous";

  private ApiKeys() {}

  /** {@code key-} and the first 24 hex digits of the token's SHA-256, or {@value #ANONYMOUS}. */
  public static String idOf(String authorization) {
    if (authorization == null) return ANONYMOUS;
    String value = authorization.strip();
    if (value.regionMatches(true, 0, "Bearer ", 0, 7)) value = value.substring(7).strip();
    else return ANONYMOUS;
    if (value.isEmpty()) return ANONYMOUS;
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      return "key-" + HexFormat.of().formatHex(hash, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }
}
