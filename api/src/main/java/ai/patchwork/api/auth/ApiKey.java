package ai.patchwork.api.auth;

import java.time.Instant;
import java.util.Objects;

/**
 * A stored key, without its secret.
 *
 * @param id {@code key_…}
 * @param name a display name
 * @param projectId its project, or null for an admin key
 * @param permission what it may do
 * @param redactedValue the prefix and last four characters of the secret
 * @param createdAt when it was created
 * @param lastUsedAt when it last authenticated a request (to within the cache's lifetime), or null
 * @param revokedAt when it was revoked, or null
 */
public record ApiKey(
        String id,
        String name,
        String projectId,
        Caller.Permission permission,
        String redactedValue,
        Instant createdAt,
        Instant lastUsedAt,
        Instant revokedAt) {

    public ApiKey {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(permission, "permission");
    }

    /** A key just created, with the secret that is shown this once. */
    public record Created(ApiKey key, String secret) {}
}
