package ai.patchwork.trainer.batch;

import ai.patchwork.trainer.jobs.JobError;
import ai.patchwork.trainer.jobs.JobProgress;
import ai.patchwork.trainer.jobs.JobStatus;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * Runs one claimed fine-tuning job as its Spring Batch job instance (identified by the job id) and turns the outcome
 * into the job's status. The first claim starts the instance; later claims restart it where it stopped: after
 * validation (the job was queued), after a shutdown, or after a crash — a worker that died leaves its execution
 * marked running, which the next worker, holding the expired lease, first recovers as failed.
 */
public final class FineTuningRunner {

  /** The Spring Batch job's name. */
  public static final String JOB_NAME = "fine-tuning";

  /** The Spring Batch job of reinforcement fine-tuning jobs. */
  public static final String RL_JOB_NAME = "reinforcement-fine-tuning";

  /** The identifying job parameter: the fine-tuning job id. */
  public static final String JOB_ID = "fine_tuning_job_id";

  /** The non-identifying job parameter of each start: the worker running it. */
  public static final String WORKER_ID = "worker_id";

  private static final Logger log = LoggerFactory.getLogger(FineTuningRunner.class);

  private final JobOperator operator;
  private final JobRepository repository;
  private final Job supervised;
  private final Job reinforcement;
  private final ShutdownSignal shutdown;
  private final JobProgress progress;

  FineTuningRunner(JobOperator operator, JobRepository repository, Job supervised, Job reinforcement,
      ShutdownSignal shutdown,
      JobProgress progress) {
    this.operator = operator;
    this.repository = repository;
    this.supervised = supervised;
    this.reinforcement = reinforcement;
    this.shutdown = shutdown;
    this.progress = progress;
  }

  /** Runs the job until it finishes or stops; the claim is released (or the job finished) when this returns. */
  public void run(String jobId, String workerId) {
    JobParameters identifying = new JobParametersBuilder().addString(JOB_ID, jobId).toJobParameters();
    JobParameters params = new JobParametersBuilder(identifying).addString(WORKER_ID, workerId, false)
        .toJobParameters();
    try {
      Job job = progress.job(jobId).reinforcement() == null ? supervised : reinforcement;
      JobExecution last = repository.getLastJobExecution(job.getName(), identifying);
      if (last != null && last.getStatus() == BatchStatus.COMPLETED) {
        // The register step finishes the job before its execution completes, so this job was left unfinished by a
        // failure in between; claiming it again would only repeat this, so it fails.
        log.warn("job {}: its batch execution had completed but the job had not finished; failing it", jobId);
        fail(jobId, workerId, new JobError("internal_error", "the job's run completed without finishing the job; "
            + "start a new job", null));
        return;
      }
      if (last != null && last.isRunning()) {
        // The worker that ran it is gone: this worker holds the lease that worker failed to renew.
        progress.warn(jobId, "The previous worker stopped responding; restarting from the last checkpoint", null);
        operator.recover(last);
      }
      outcome(jobId, workerId, operator.start(job, params));
    } catch (Exception e) {
      log.error("job {}: cannot run its batch job", jobId, e);
      fail(jobId, workerId, new JobError("internal_error", "the job could not be run: " + e.getMessage(), null));
    }
  }

  /** Asks a running job to stop at its next step boundary (the worker is shutting down). */
  public void requestShutdown() {
    shutdown.request();
  }

  private void outcome(String jobId, String workerId, JobExecution execution) {
    ExecutionContext context = execution.getExecutionContext();
    switch (execution.getStatus()) {
      case COMPLETED -> progress.release(jobId, workerId, null);
      case STOPPED -> {
        String reason = context.containsKey(StopReason.KEY) ? context.getString(StopReason.KEY) : null;
        if (reason == null) {
          // Stopped on purpose after the validate step: queued until a worker trains it.
          progress.release(jobId, workerId, JobStatus.QUEUED);
        } else if (reason.equals(StopReason.CANCELLED.name())) {
          progress.info(jobId, "Training stopped at step " + context.getInt("patchwork.stopped_at", 0)
              + " because the job was cancelled");
          progress.release(jobId, workerId, null);
        } else if (reason.equals(StopReason.SHUTDOWN.name())) {
          progress.info(jobId, "The worker shut down at step " + context.getInt("patchwork.stopped_at", 0)
              + "; another worker will resume from the last checkpoint");
          progress.release(jobId, workerId, JobStatus.QUEUED);
        }
        // LOST: another worker holds the job; nothing of it is ours to change.
      }
      default -> fail(jobId, workerId, error(execution.getAllFailureExceptions()));
    }
  }

  private void fail(String jobId, String workerId, JobError error) {
    if (progress.failed(jobId, workerId, error)) progress.error(jobId, "Fine-tuning job failed: " + error.message());
  }

  private static JobError error(List<Throwable> failures) {
    for (Throwable t : failures) {
      for (Throwable c = t; c != null; c = c.getCause()) {
        if (c instanceof JobFailure f) return f.error();
      }
    }
    Throwable first = failures.isEmpty() ? null : failures.getFirst();
    log.error("fine-tuning job failed", first);
    return new JobError("internal_error", "training failed with an internal error"
        + (first == null ? "" : ": " + first.getClass().getSimpleName() + ": " + first.getMessage()), null);
  }
}
