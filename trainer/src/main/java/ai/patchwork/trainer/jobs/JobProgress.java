package ai.patchwork.trainer.jobs;

import ai.patchwork.trainer.Ids;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What a worker records about the job it runs: events, checkpoints, status changes, the resolved hyperparameters
 * and the outcome. Every write commits at once, so clients see progress while the job runs. Status changes are
 * conditional on the worker still holding the job and the job not being finished, so a cancelled job stays
 * cancelled. Every write a worker makes is fenced by its {@link Lease}: a worker that lost the job (its lease
 * expired while it was paused or hung, and another worker claimed it) writes nothing, not even an event.
 */
public final class JobProgress {

    /** Checkpoints whose weights stay in the object store (OpenAI keeps the last 3); older ones keep their metrics. */
    public static final int KEPT_CHECKPOINTS = 3;

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;

    public JobProgress(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
        this.tx = new TransactionTemplate(new JdbcTransactionManager(dataSource));
    }

    /** What a running job should do after the current step. */
    public enum Signal {
        /** Keep going. */
        CONTINUE,
        /** The job was cancelled: stop. */
        CANCELLED,
        /** Another worker holds the job now (this one's lease expired): stop without touching the job. */
        LOST
    }

    /** The condition that a worker's write still holds: the job claimed by it under its claim's token. */
    private static final String HELD = "id = ? AND claimed_by = ? AND attempts = ?";

    public FineTuningJob job(String id) {
        return jdbc.sql(JobRows.JOB_SELECT + " WHERE j.id = ?")
                .param(id)
                .query(JobRows::job)
                .single();
    }

    /** An event not written by a worker (the API's own: job created, cancelled). */
    public void info(String jobId, String message) {
        jdbc.sql("INSERT INTO fine_tuning_job_events (id, job_id, level, type, message) "
                        + "VALUES (?, ?, 'info', 'message', ?)")
                .params(Ids.next("ftevent-"), jobId, message)
                .update();
    }

    public void info(Lease lease, String message) {
        event(lease, "info", "message", message, null);
    }

    public void warn(Lease lease, String message, Map<String, Object> data) {
        event(lease, "warn", "message", message, data);
    }

    public void metrics(Lease lease, String message, Map<String, Object> data) {
        event(lease, "info", "metrics", message, data);
    }

    public void error(Lease lease, String message) {
        event(lease, "error", "message", message, null);
    }

    /** Writes an event while {@code lease} holds the job; a worker that lost it writes nothing. */
    private boolean event(Lease lease, String level, String type, String message, Map<String, Object> data) {
        return jdbc.sql("INSERT INTO fine_tuning_job_events (id, job_id, level, type, message, data) "
                                + "SELECT ?, id, ?, ?, ?, ?::jsonb FROM fine_tuning_jobs WHERE " + HELD + " FOR SHARE")
                        .params(
                                Ids.next("ftevent-"),
                                level,
                                type,
                                message,
                                JobRows.json(data),
                                lease.jobId(),
                                lease.workerId(),
                                lease.token())
                        .update()
                == 1;
    }

    /** Whether {@code lease} still holds its job. */
    public boolean holds(Lease lease) {
        return jdbc.sql("SELECT count(*) FROM fine_tuning_jobs WHERE " + HELD)
                        .params(lease.jobId(), lease.workerId(), lease.token())
                        .query(Integer.class)
                        .single()
                == 1;
    }

    /** One cheap query, run after every training step. */
    public Signal signal(Lease lease) {
        return jdbc.sql("SELECT status, cancel_requested, claimed_by, attempts FROM fine_tuning_jobs WHERE id = ?")
                .param(lease.jobId())
                .query((rs, i) -> {
                    if (rs.getBoolean("cancel_requested")
                            || rs.getString("status").equals("cancelled")) return Signal.CANCELLED;
                    return lease.workerId().equals(rs.getString("claimed_by"))
                                    && rs.getLong("attempts") == lease.token()
                            ? Signal.CONTINUE
                            : Signal.LOST;
                })
                .single();
    }

    /** Moves a job this lease holds from one of {@code from} to {@code to}; false if it is not in such a state. */
    public boolean transition(Lease lease, List<JobStatus> from, JobStatus to) {
        return jdbc.sql("UPDATE fine_tuning_jobs SET status = ?, started_at = CASE WHEN ? = 'running' "
                                + "THEN coalesce(started_at, now()) ELSE started_at END WHERE " + HELD
                                + " AND status = ANY (?)")
                        .params(
                                to.wire(),
                                to.wire(),
                                lease.jobId(),
                                lease.workerId(),
                                lease.token(),
                                from.stream().map(JobStatus::wire).toArray(String[]::new))
                        .update()
                == 1;
    }

    /** Records the values "auto" resolved to, which the job object shows from now on. */
    public void resolved(
            Lease lease, Hyperparameters h, TrainingOptions o, Reinforcement reinforcement, Preference preference) {
        jdbc.sql("UPDATE fine_tuning_jobs SET hyperparameters = ?::jsonb, method = ?::jsonb WHERE " + HELD)
                .params(
                        JobColumns.column(h, o).toString(),
                        JobColumns.method(h, reinforcement, preference).toString(),
                        lease.jobId(),
                        lease.workerId(),
                        lease.token())
                .update();
    }

    public void estimatedFinish(Lease lease, Instant when) {
        jdbc.sql("UPDATE fine_tuning_jobs SET estimated_finish = ? WHERE " + HELD + " AND status = 'running'")
                .params(Timestamp.from(when), lease.jobId(), lease.workerId(), lease.token())
                .update();
    }

    /**
     * Records a checkpoint and releases the stored weights of those older than the last {@value #KEPT_CHECKPOINTS}
     * (their rows and metrics stay). A stored checkpoint is progress: the job's count of claims without progress
     * starts again.
     *
     * @param sha256 the stored checkpoint's artifact
     * @throws LeaseLostException when the lease no longer holds the job (nothing is written)
     */
    public void checkpoint(Lease lease, int step, Map<String, Object> metrics, String sha256) {
        String jobId = lease.jobId();
        tx.executeWithoutResult(s -> {
            if (jdbc.sql("UPDATE fine_tuning_jobs SET claims_without_progress = 0 WHERE " + HELD)
                            .params(jobId, lease.workerId(), lease.token())
                            .update()
                    != 1) {
                throw new LeaseLostException(lease);
            }
            jdbc.sql("UPDATE artifacts SET collected_at = NULL, last_referenced_at = now() WHERE sha256 = ?")
                    .param(sha256)
                    .update();
            jdbc.sql("INSERT INTO fine_tuning_checkpoints (id, job_id, step_number, metrics, artifact_sha256) "
                            + "VALUES (?, ?, ?, ?::jsonb, ?) ON CONFLICT (job_id, step_number) DO UPDATE SET metrics = excluded.metrics, "
                            + "artifact_sha256 = excluded.artifact_sha256")
                    .params(Ids.next("ftckpt-"), jobId, step, JobRows.json(metrics), sha256)
                    .update();
            jdbc.sql(
                            "UPDATE fine_tuning_checkpoints SET artifact_sha256 = NULL WHERE job_id = ? AND step_number NOT IN "
                                    + "(SELECT step_number FROM fine_tuning_checkpoints WHERE job_id = ? ORDER BY step_number DESC LIMIT ?)")
                    .params(jobId, jobId, KEPT_CHECKPOINTS)
                    .update();
        });
    }

    /**
     * Gives the job back on purpose (validated, cancelled, the worker shutting down): it keeps its status ({@code then}
     * replaces it when not null), any worker may claim it, and the count of claims without progress starts again.
     */
    public void release(Lease lease, JobStatus then) {
        jdbc.sql("UPDATE fine_tuning_jobs SET claimed_by = NULL, lease_expires_at = NULL, claims_without_progress = 0, "
                        + "status = CASE WHEN ?::text IS NULL OR status IN ('succeeded', 'failed', 'cancelled') THEN status ELSE ? END "
                        + "WHERE " + HELD)
                .params(
                        then == null ? null : then.wire(),
                        then == null ? null : then.wire(),
                        lease.jobId(),
                        lease.workerId(),
                        lease.token())
                .update();
    }

    /** Records the Spring Batch execution running the job (for operators: it links the two schemas). */
    public void batchExecution(Lease lease, long executionId) {
        jdbc.sql("UPDATE fine_tuning_jobs SET batch_job_execution_id = ? WHERE " + HELD)
                .params(executionId, lease.jobId(), lease.workerId(), lease.token())
                .update();
    }

    /**
     * The job succeeded with this adapter, announced by {@code messages}; false (and nothing written) if it was
     * cancelled or taken over meanwhile.
     */
    public boolean succeeded(
            Lease lease, String adapterId, long trainedTokens, List<String> resultFiles, List<String> messages) {
        return Boolean.TRUE.equals(tx.execute(s -> {
            boolean done = jdbc.sql("UPDATE fine_tuning_jobs SET status = 'succeeded', fine_tuned_adapter = ?, "
                                    + "trained_tokens = ?, result_files = ?, finished_at = now(), estimated_finish = NULL "
                                    + "WHERE " + HELD + " AND status = 'running'")
                            .params(
                                    adapterId,
                                    trainedTokens,
                                    resultFiles.toArray(String[]::new),
                                    lease.jobId(),
                                    lease.workerId(),
                                    lease.token())
                            .update()
                    == 1;
            if (!done) return false;
            messages.forEach(m -> event(lease, "info", "message", m, null));
            release(lease, null);
            return true;
        }));
    }

    /** The job failed (with an error event); false if it had finished or been taken over meanwhile. */
    public boolean failed(Lease lease, JobError error) {
        return Boolean.TRUE.equals(tx.execute(s -> {
            boolean done = jdbc.sql(
                                    "UPDATE fine_tuning_jobs SET status = 'failed', error = ?::jsonb, finished_at = now(), "
                                            + "estimated_finish = NULL WHERE " + HELD
                                            + " AND status NOT IN ('succeeded', 'failed', 'cancelled')")
                            .params(JobRows.json(errorJson(error)), lease.jobId(), lease.workerId(), lease.token())
                            .update()
                    == 1;
            if (!done) return false;
            event(lease, "error", "message", "Fine-tuning job failed: " + error.message(), null);
            release(lease, null);
            return true;
        }));
    }

    private static Map<String, Object> errorJson(JobError e) {
        var m = new java.util.LinkedHashMap<String, Object>();
        m.put("code", e.code());
        m.put("message", e.message());
        m.put("param", e.param());
        return m;
    }
}
