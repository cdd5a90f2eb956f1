package ai.patchwork.api.auth;

import java.util.List;
import java.util.Objects;

/**
 * Who a request acts for, as its key proved.
 *
 * @param keyId the key's id ({@code key_…})
 * @param projectId the key's project ({@code proj_…}); null for an admin key
 * @param permission what the key may do
 * @param allowedBaseModels the base models the project may use; null for all of them
 */
public record Caller(String keyId, String projectId, Permission permission, List<String> allowedBaseModels) {

    /** What a key may do. */
    public enum Permission {
        /** Every call of its project. */
        ALL,
        /** Inference and reads (GET) of its project only. */
        READ_ONLY,
        /** An admin key: {@code /v1/organization}, metrics and the replicas' status; no inference. */
        ADMIN
    }

    public Caller {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(permission, "permission");
        if ((permission == Permission.ADMIN) != (projectId == null)) {
            throw new IllegalArgumentException("admin keys, and only they, have no project");
        }
        allowedBaseModels = allowedBaseModels == null ? null : List.copyOf(allowedBaseModels);
    }

    public boolean admin() {
        return permission == Permission.ADMIN;
    }

    /** Whether the project may use base model {@code id}. */
    public boolean mayUse(String baseModel) {
        return allowedBaseModels == null || allowedBaseModels.contains(baseModel);
    }
}
