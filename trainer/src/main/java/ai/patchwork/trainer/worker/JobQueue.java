package ai.patchwork.trainer.worker;

import ai.patchwork.trainer.jobs.Lease;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The queue of fine-tuning jobs in PostgreSQL. A worker claims the oldest job that waits for work (validating files
 * or queued, unclaimed) or whose worker's lease expired, with {@code FOR UPDATE SKIP LOCKED} so that workers on any
 * number of machines never take the same job; the claim is a {@link Lease} the worker renews by heartbeat.
 *
 * <p>A job cannot poison the queue: each claim counts until the job makes progress (a checkpoint, validated files,
 * a deliberate hand-back). A job whose workers crashed, hung or ran out of memory
 * {@link WorkerSettings#maxClaimsWithoutProgress} times in a row is failed with {@value #RETRY_LIMIT_CODE} by the
 * next claim instead of being taken again, so the jobs behind it run.
 */
public final class JobQueue {

    /** The error code of a job failed by the retry limit. */
    public static final String RETRY_LIMIT_CODE = "job_retry_limit_exceeded";

    private static final String CLAIMABLE = """
      base_model = ANY (?) AND NOT cancel_requested
        AND status IN ('validating_files', 'queued', 'running')
        AND (claimed_by IS NULL OR lease_expires_at < now())""";

    private final JdbcClient jdbc;

    public JobQueue(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
    }

    /** Claims a job for {@code settings.workerId()}; its lease, or empty when none waits. */
    public Optional<Lease> claim(WorkerSettings settings) {
        String[] models = settings.baseModels().toArray(String[]::new);
        failExhausted(settings, models);
        return jdbc.sql("""
            UPDATE fine_tuning_jobs SET claimed_by = ?, lease_expires_at = now() + make_interval(secs => ?),
                   attempts = attempts + 1, claims_without_progress = claims_without_progress + 1
            WHERE id = (
              SELECT id FROM fine_tuning_jobs
              WHERE %s AND claims_without_progress < ?
              ORDER BY seq
              LIMIT 1
              FOR UPDATE SKIP LOCKED)
            RETURNING id, attempts""".formatted(CLAIMABLE))
                .params(settings.workerId(), seconds(settings.lease()), models, settings.maxClaimsWithoutProgress())
                .query((rs, i) -> new Lease(rs.getString("id"), settings.workerId(), rs.getLong("attempts")))
                .optional();
    }

    /** Fails the claimable jobs that used up their claims without progress; their ids. */
    List<String> failExhausted(WorkerSettings settings, String[] models) {
        int limit = settings.maxClaimsWithoutProgress();
        String message = "The job stopped its worker " + limit + " times in a row without making progress (the worker "
                + "crashed, ran out of memory or hung); it was failed so that other jobs can run. Its events show where "
                + "each attempt stopped.";
        return jdbc.sql("""
            WITH exhausted AS (
              UPDATE fine_tuning_jobs SET status = 'failed', finished_at = now(), estimated_finish = NULL,
                     claimed_by = NULL, lease_expires_at = NULL,
                     error = jsonb_build_object('code', ?::text, 'message', ?::text, 'param', null)
              WHERE id IN (
                SELECT id FROM fine_tuning_jobs WHERE %s AND claims_without_progress >= ?
                FOR UPDATE SKIP LOCKED)
              RETURNING id)
            INSERT INTO fine_tuning_job_events (id, job_id, level, type, message)
            SELECT 'ftevent-' || replace(gen_random_uuid()::text, '-', ''), id, 'error', 'message', ?
            FROM exhausted
            RETURNING job_id""".formatted(CLAIMABLE))
                .params(RETRY_LIMIT_CODE, message, models, limit, "Fine-tuning job failed: " + message)
                .query(String.class)
                .list();
    }

    /** Extends the lease; false when the worker no longer holds the job. */
    public boolean renew(Lease lease, WorkerSettings settings) {
        return jdbc.sql("UPDATE fine_tuning_jobs SET lease_expires_at = now() + make_interval(secs => ?) "
                                + "WHERE id = ? AND claimed_by = ? AND attempts = ?")
                        .params(seconds(settings.lease()), lease.jobId(), lease.workerId(), lease.token())
                        .update()
                == 1;
    }

    /**
     * Gives up a lease whose work failed (the training thread hung or died): the job may be claimed again at once, and
     * this claim keeps counting as one without progress. {@code why} becomes a warning event on the job.
     */
    public void abandon(Lease lease, String why) {
        jdbc.sql("""
            WITH given_up AS (
              UPDATE fine_tuning_jobs SET claimed_by = NULL, lease_expires_at = NULL
              WHERE id = ? AND claimed_by = ? AND attempts = ?
              RETURNING id)
            INSERT INTO fine_tuning_job_events (id, job_id, level, type, message)
            SELECT 'ftevent-' || replace(gen_random_uuid()::text, '-', ''), id, 'warn', 'message', ? FROM given_up""")
                .params(lease.jobId(), lease.workerId(), lease.token(), why)
                .update();
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }
}
