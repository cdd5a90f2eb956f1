package ai.patchwork.trainer.worker;

import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The queue of fine-tuning jobs in PostgreSQL. A worker claims the oldest job that waits for work (validating files
 * or queued, unclaimed) or whose worker's lease expired, with {@code FOR UPDATE SKIP LOCKED} so that workers on any
 * number of machines never take the same job; the claim is a lease the worker renews by heartbeat.
 */
public final class JobQueue {

  private final JdbcClient jdbc;

  public JobQueue(DataSource dataSource) {
    this.jdbc = JdbcClient.create(dataSource);
  }

  /** Claims a job for {@code settings.workerId()}; its id, or empty when none waits. */
  public Optional<String> claim(WorkerSettings settings) {
    return jdbc.sql("""
            UPDATE fine_tuning_jobs SET claimed_by = ?, lease_expires_at = now() + make_interval(secs => ?),
                   attempts = attempts + 1
            WHERE id = (
              SELECT id FROM fine_tuning_jobs
              WHERE base_model = ANY (?) AND NOT cancel_requested
                AND status IN ('validating_files', 'queued', 'running')
                AND (claimed_by IS NULL OR lease_expires_at < now())
              ORDER BY seq
              LIMIT 1
              FOR UPDATE SKIP LOCKED)
            RETURNING id""")
        .params(settings.workerId(), seconds(settings.lease()), settings.baseModels().toArray(String[]::new))
        .query(String.class).optional();
  }

  /** Extends the lease; false when the worker no longer holds the job. */
  public boolean renew(String jobId, WorkerSettings settings) {
    return jdbc.sql("UPDATE fine_tuning_jobs SET lease_expires_at = now() + make_interval(secs => ?) "
            + "WHERE id = ? AND claimed_by = ?")
        .params(seconds(settings.lease()), jobId, settings.workerId()).update() == 1;
  }

  private static double seconds(Duration d) {
    return d.toMillis() / 1000.0;
  }
}
