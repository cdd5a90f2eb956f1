package ai.patchwork.api.auth;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A project: the owner of files, jobs, adapters, usage and rate limits.
 *
 * @param id {@code proj_…}
 * @param name a display name
 * @param status {@code active} or {@code archived} (its keys no longer authenticate)
 * @param createdAt when it was created
 * @param archivedAt when it was archived, or null
 * @param allowedBaseModels the base models it may use, or null for all
 * @param maxConcurrentFineTuningJobs quota on jobs not yet finished, or null
 * @param maxStoredBytes quota on the bytes of its files and adapters, or null
 */
public record Project(
        String id,
        String name,
        String status,
        Instant createdAt,
        Instant archivedAt,
        List<String> allowedBaseModels,
        Integer maxConcurrentFineTuningJobs,
        Long maxStoredBytes) {
    /** The project that existing data was migrated into, and that {@code ./patchwork up} creates a key for. */
    public static final String DEFAULT = "proj_default";

    public Project {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        allowedBaseModels = allowedBaseModels == null ? null : List.copyOf(allowedBaseModels);
    }

    public boolean active() {
        return status.equals("active");
    }
}
