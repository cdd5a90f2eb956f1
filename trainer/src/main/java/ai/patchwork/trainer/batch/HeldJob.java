package ai.patchwork.trainer.batch;

import ai.patchwork.trainer.jobs.FineTuningJob;
import ai.patchwork.trainer.jobs.JobProgress;
import ai.patchwork.trainer.jobs.JobStatus;
import ai.patchwork.trainer.jobs.Lease;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The fine-tuning job a step works on, as the worker holding it sees it: its row, read through {@link JobProgress},
 * and the events and status changes the step writes, each through the worker's {@link Lease} (a worker that lost
 * the job changes nothing of it). Step-scoped, from the execution's job parameters ({@link JobRun}).
 */
record HeldJob(JobRun run, JobProgress progress) {
    HeldJob {
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(progress, "progress");
    }

    /** The job's row as it is now. */
    FineTuningJob job() {
        return progress.job(run.jobId());
    }

    Lease lease() {
        return run.lease();
    }

    /** Writes an info event. */
    void info(String message) {
        progress.info(run.lease(), message);
    }

    /** Writes a warning event, with optional {@code data}. */
    void warn(String message, Map<String, Object> data) {
        progress.warn(run.lease(), message, data);
    }

    /** Writes a metrics event: a step's training or validation figures in {@code data}. */
    void metrics(String message, Map<String, Object> data) {
        progress.metrics(run.lease(), message, data);
    }

    /**
     * Marks the job {@code running} (a fresh job is {@code queued}; a resumed one may be either).
     *
     * @throws IllegalStateException when another worker has taken the job
     */
    void markRunning() {
        if (!progress.transition(run.lease(), List.of(JobStatus.QUEUED, JobStatus.RUNNING), JobStatus.RUNNING)) {
            throw new IllegalStateException("job " + run.jobId() + " is no longer held by this worker");
        }
    }
}
