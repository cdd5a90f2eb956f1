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
 * cancelled and a worker that lost its lease changes nothing.
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

  public FineTuningJob job(String id) {
    return jdbc.sql(JobRows.JOB_SELECT + " WHERE j.id = ?").param(id).query(JobRows::job).single();
  }

  public void info(String jobId, String message) {
    event(jobId, "info", "message", message, null);
  }

  public void warn(String jobId, String message, Map<String, Object> data) {
    event(jobId, "warn", "message", message, data);
  }

  public void metrics(String jobId, String message, Map<String, Object> data) {
    event(jobId, "info", "metrics", message, data);
  }

  public void error(String jobId, String message) {
    event(jobId, "error", "message", message, null);
  }

  private void event(String jobId, String level, String type, String message, Map<String, Object> data) {
    jdbc.sql("INSERT INTO fine_tuning_job_events (id, job_id, level, type, message, data) VALUES (?, ?, ?, ?, ?, ?::jsonb)")
        .params(Ids.next("ftevent-"), jobId, level, type, message, JobRows.json(data)).update();
  }

  /** One cheap query, run after every training step. */
  public Signal signal(String jobId, String workerId) {
    return jdbc.sql("SELECT status, cancel_requested, claimed_by FROM fine_tuning_jobs WHERE id = ?").param(jobId)
        .query((rs, i) -> {
          if (rs.getBoolean("cancel_requested") || rs.getString("status").equals("cancelled")) return Signal.CANCELLED;
          return workerId.equals(rs.getString("claimed_by")) ? Signal.CONTINUE : Signal.LOST;
        }).single();
  }

  /** Moves a job this worker holds from one of {@code from} to {@code to}; false if it is not in such a state. */
  public boolean transition(String jobId, String workerId, List<JobStatus> from, JobStatus to) {
    return jdbc.sql("UPDATE fine_tuning_jobs SET status = ?, started_at = CASE WHEN ? = 'running' "
            + "THEN coalesce(started_at, now()) ELSE started_at END WHERE id = ? AND claimed_by = ? AND status = ANY (?)")
        .params(to.wire(), to.wire(), jobId, workerId, from.stream().map(JobStatus::wire).toArray(String[]::new))
        .update() == 1;
  }

  /** Records the values "auto" resolved to, which the job object shows from now on. */
  public void resolved(String jobId, Hyperparameters h, TrainingOptions o, Reinforcement reinforcement,
      Preference preference) {
    jdbc.sql("UPDATE fine_tuning_jobs SET hyperparameters = ?::jsonb, method = ?::jsonb WHERE id = ?")
        .params(JobJson.column(h, o).toString(), JobJson.method(h, reinforcement, preference).toString(), jobId)
        .update();
  }

  public void estimatedFinish(String jobId, Instant when) {
    jdbc.sql("UPDATE fine_tuning_jobs SET estimated_finish = ? WHERE id = ? AND status = 'running'")
        .params(Timestamp.from(when), jobId).update();
  }

  /**
   * Records a checkpoint and releases the stored weights of those older than the last {@value #KEPT_CHECKPOINTS}
   * (their rows and metrics stay).
   *
   * @param sha256 the stored checkpoint's artifact
   */
  public void checkpoint(String jobId, int step, Map<String, Object> metrics, String sha256) {
    tx.executeWithoutResult(s -> {
      jdbc.sql("UPDATE artifacts SET collected_at = NULL, last_referenced_at = now() WHERE sha256 = ?").param(sha256)
          .update();
      jdbc.sql("INSERT INTO fine_tuning_checkpoints (id, job_id, step_number, metrics, artifact_sha256) "
              + "VALUES (?, ?, ?, ?::jsonb, ?) ON CONFLICT (job_id, step_number) DO UPDATE SET metrics = excluded.metrics, "
              + "artifact_sha256 = excluded.artifact_sha256")
          .params(Ids.next("ftckpt-"), jobId, step, JobRows.json(metrics), sha256).update();
      jdbc.sql("UPDATE fine_tuning_checkpoints SET artifact_sha256 = NULL WHERE job_id = ? AND step_number NOT IN "
              + "(SELECT step_number FROM fine_tuning_checkpoints WHERE job_id = ? ORDER BY step_number DESC LIMIT ?)")
          .params(jobId, jobId, KEPT_CHECKPOINTS).update();
    });
  }

  /**
   * Gives the job back: it keeps its status ({@code then} replaces it when not null) and any worker may claim it.
   */
  public void release(String jobId, String workerId, JobStatus then) {
    jdbc.sql("UPDATE fine_tuning_jobs SET claimed_by = NULL, lease_expires_at = NULL, "
            + "status = CASE WHEN ?::text IS NULL OR status IN ('succeeded', 'failed', 'cancelled') THEN status ELSE ? END "
            + "WHERE id = ? AND claimed_by = ?")
        .params(then == null ? null : then.wire(), then == null ? null : then.wire(), jobId, workerId).update();
  }

  /** Records the Spring Batch execution running the job (for operators: it links the two schemas). */
  public void batchExecution(String jobId, long executionId) {
    jdbc.sql("UPDATE fine_tuning_jobs SET batch_job_execution_id = ? WHERE id = ?").params(executionId, jobId).update();
  }

  /** The job succeeded with this adapter; false if it was cancelled or taken over meanwhile. */
  public boolean succeeded(String jobId, String workerId, String adapterId, long trainedTokens, List<String> resultFiles) {
    return jdbc.sql("UPDATE fine_tuning_jobs SET status = 'succeeded', fine_tuned_adapter = ?, trained_tokens = ?, "
            + "result_files = ?, finished_at = now(), estimated_finish = NULL, claimed_by = NULL, lease_expires_at = NULL "
            + "WHERE id = ? AND claimed_by = ? AND status = 'running'")
        .params(adapterId, trainedTokens, resultFiles.toArray(String[]::new), jobId, workerId).update() == 1;
  }

  /** The job failed; false if it had finished or been taken over meanwhile. */
  public boolean failed(String jobId, String workerId, JobError error) {
    return jdbc.sql("UPDATE fine_tuning_jobs SET status = 'failed', error = ?::jsonb, finished_at = now(), "
            + "estimated_finish = NULL, claimed_by = NULL, lease_expires_at = NULL "
            + "WHERE id = ? AND claimed_by = ? AND status NOT IN ('succeeded', 'failed', 'cancelled')")
        .params(JobRows.json(errorJson(error)), jobId, workerId).update() == 1;
  }

  private static Map<String, Object> errorJson(JobError e) {
    var m = new java.util.LinkedHashMap<String, Object>();
    m.put("code", e.code());
    m.put("message", e.message());
    m.put("param", e.param());
    return m;
  }
}
