package ai.patchwork.api.limits;

import java.util.Map;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A project's quotas: the bytes its files and adapters (not deleted) may take, and how many of its fine-tuning jobs
 * may be unfinished at once. Checked before anything is stored or created, so a refused request leaves nothing.
 * Two concurrent requests may both pass a check that only one of them fits: a quota can be exceeded by one upload
 * or one job per concurrent request, never more.
 */
public final class Quotas {
    private final JdbcClient jdbc;

    public Quotas(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
    }

    /** @throws RateLimitExceededException 429 {@code quota_exceeded} when {@code bytes} more would not fit */
    public void checkStorage(String projectId, long bytes) {
        Long max = limit(projectId, "max_stored_bytes", Long.class);
        if (max == null) return;
        long used = jdbc.sql("""
        SELECT (SELECT coalesce(sum(bytes), 0) FROM files WHERE project_id = ? AND status <> 'deleted')
             + (SELECT coalesce(sum(size_bytes), 0) FROM adapters WHERE project_id = ? AND status <> 'deleted')""").params(projectId, projectId).query(Long.class).single();
        if (used + bytes > max) {
            throw new RateLimitExceededException(
                    "quota_exceeded",
                    "Storage quota exceeded: this project stores " + used
                            + " bytes of files and adapters, and " + bytes + " more would pass its quota of " + max
                            + " bytes. Delete files or adapters, or ask an admin to raise max_stored_bytes.",
                    Map.of());
        }
    }

    /** @throws RateLimitExceededException 429 {@code quota_exceeded} when the project has its maximum of open jobs */
    public void checkJobs(String projectId) {
        Integer max = limit(projectId, "max_concurrent_fine_tuning_jobs", Integer.class);
        if (max == null) return;
        long open = jdbc.sql("SELECT count(*) FROM fine_tuning_jobs WHERE project_id = ? "
                        + "AND status IN ('validating_files', 'queued', 'running', 'paused')")
                .param(projectId)
                .query(Long.class)
                .single();
        if (open >= max) {
            throw new RateLimitExceededException(
                    "quota_exceeded",
                    "Fine-tuning quota exceeded: this project has " + open + " unfinished jobs, its maximum of " + max
                            + ". Wait for one to finish or cancel one.",
                    Map.of());
        }
    }

    /** The project's limit in {@code column}, or null when it has none. */
    private <T> T limit(String projectId, String column, Class<T> type) {
        return jdbc.sql("SELECT " + column + " FROM projects WHERE id = ?")
                .param(projectId)
                .query((rs, i) -> type.cast(rs.getObject(1)))
                .optional()
                .orElse(null);
    }
}
