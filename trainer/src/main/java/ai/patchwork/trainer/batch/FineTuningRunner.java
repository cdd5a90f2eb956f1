package ai.patchwork.trainer.batch;

import ai.patchwork.trainer.jobs.JobError;
import ai.patchwork.trainer.jobs.JobProgress;
import ai.patchwork.trainer.jobs.JobStatus;
import ai.patchwork.trainer.jobs.Lease;
import ai.patchwork.trainer.jobs.LeaseLostException;
import ai.patchwork.trainer.worker.JobRunner;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * Runs one claimed fine-tuning job as its Spring Batch job instance (identified by the job id) and turns the outcome
 * into the job's status. The first claim starts the instance; later claims restart it where it stopped: after
 * validation (the job was queued), after a shutdown, or after a crash — a worker that died leaves its execution
 * marked running, which the next worker, holding the expired lease, first recovers as failed.
 */
public final class FineTuningRunner implements JobRunner {

    /** The Spring Batch job's name. */
    public static final String JOB_NAME = "fine-tuning";

    /** The Spring Batch job of reinforcement fine-tuning jobs. */
    public static final String RL_JOB_NAME = "reinforcement-fine-tuning";

    /** The identifying job parameter: the fine-tuning job id. */
    public static final String JOB_ID = "fine_tuning_job_id";

    /** The non-identifying job parameter of each start: the worker running it. */
    public static final String WORKER_ID = "worker_id";

    /**
     * The non-identifying job parameter of each start: the fencing token of the running worker's claim, with which
     * every write of the job's steps is made ({@link JobRun#lease()}).
     */
    public static final String LEASE_TOKEN = "lease_token";

    private static final Logger log = LoggerFactory.getLogger(FineTuningRunner.class);

    private final BatchJobs batch;
    private final ShutdownSignal shutdown;
    private final ProgressClock clock;
    private final JobProgress progress;

    FineTuningRunner(BatchJobs batch, ShutdownSignal shutdown, ProgressClock clock, JobProgress progress) {
        this.batch = batch;
        this.shutdown = shutdown;
        this.clock = clock;
        this.progress = progress;
    }

    @Override
    public void run(Lease lease) {
        String jobId = lease.jobId();
        JobParameters identifying =
                new JobParametersBuilder().addString(JOB_ID, jobId).toJobParameters();
        JobParameters params = new JobParametersBuilder(identifying)
                .addString(WORKER_ID, lease.workerId(), false)
                .addLong(LEASE_TOKEN, lease.token(), false)
                .toJobParameters();
        clock.touch();
        try {
            Job job = batch.of(progress.job(jobId));
            JobExecution last = batch.last(job, identifying);
            if (last != null && last.getStatus() == BatchStatus.COMPLETED) {
                // The register step finishes the job before its execution completes, so this job was left unfinished
                // by a failure in between; claiming it again would only repeat this, so it fails.
                log.warn("job {}: its batch execution had completed but the job had not finished; failing it", jobId);
                fail(
                        lease,
                        new JobError(
                                "internal_error",
                                "the job's run completed without finishing the job; " + "start a new job",
                                null));
                return;
            }
            if (last != null && last.isRunning()) {
                // The worker that ran it is gone: this worker holds the lease that worker failed to renew.
                progress.warn(
                        lease, "The previous worker stopped responding; restarting from the last checkpoint", null);
                batch.operator().recover(last);
            }
            outcome(lease, batch.operator().start(job, params));
        } catch (LeaseLostException e) {
            log.warn("job {}: {}", jobId, e.getMessage());
        } catch (Exception e) {
            log.error("job {}: cannot run its batch job", jobId, e);
            fail(lease, new JobError("internal_error", "the job could not be run: " + e.getMessage(), null));
        }
    }

    @Override
    public void requestShutdown() {
        shutdown.request();
    }

    @Override
    public Instant lastProgress() {
        return clock.lastProgress();
    }

    private void outcome(Lease lease, JobExecution execution) {
        ExecutionContext context = execution.getExecutionContext();
        switch (execution.getStatus()) {
            case COMPLETED -> progress.release(lease, null);
            case STOPPED -> {
                String reason = context.containsKey(StopReason.KEY) ? context.getString(StopReason.KEY) : null;
                if (reason == null) {
                    // Stopped on purpose after the validate step: queued until a worker trains it.
                    progress.release(lease, JobStatus.QUEUED);
                } else if (reason.equals(StopReason.CANCELLED.name())) {
                    progress.info(
                            lease,
                            "Training stopped at step " + context.getInt("patchwork.stopped_at", 0)
                                    + " because the job was cancelled");
                    progress.release(lease, null);
                } else if (reason.equals(StopReason.SHUTDOWN.name())) {
                    progress.info(
                            lease,
                            "The worker shut down at step " + context.getInt("patchwork.stopped_at", 0)
                                    + "; another worker will resume from the last checkpoint");
                    progress.release(lease, JobStatus.QUEUED);
                } else if (reason.equals(StopReason.LOST.name())) {
                    // another worker holds the job; nothing of it is ours to change
                    log.warn(
                            "job {}: lease lost, another worker holds the job now; this worker stopped", lease.jobId());
                }
            }
            default -> {
                if (lost(execution.getAllFailureExceptions()) || !progress.holds(lease)) {
                    log.warn(
                            "job {}: lease lost, another worker holds the job now; this worker stopped", lease.jobId());
                } else {
                    fail(lease, error(execution.getAllFailureExceptions()));
                }
            }
        }
    }

    private void fail(Lease lease, JobError error) {
        progress.failed(lease, error);
    }

    private static boolean lost(List<Throwable> failures) {
        for (Throwable t : failures) {
            for (Throwable c = t; c != null; c = c.getCause()) {
                if (c instanceof LeaseLostException) return true;
            }
        }
        return false;
    }

    private static JobError error(List<Throwable> failures) {
        for (Throwable t : failures) {
            for (Throwable c = t; c != null; c = c.getCause()) {
                if (c instanceof JobFailure f) return f.error();
            }
        }
        Throwable first = failures.isEmpty() ? null : failures.getFirst();
        log.error("fine-tuning job failed", first);
        return new JobError(
                "internal_error",
                "training failed with an internal error"
                        + (first == null ? "" : ": " + first.getClass().getSimpleName() + ": " + first.getMessage()),
                null);
    }
}
