package ai.patchwork.trainer.jobs;

import java.util.Objects;

/**
 * A worker's claim on a job: the job, the worker, and the fencing token of this claim (the job's claim count when it
 * was taken). Every write a worker makes for the job is conditional on the job still being claimed by this worker
 * under this token, so a worker that lost its lease — paused, partitioned, or hung past the lease — and wakes up
 * cannot overwrite what the job's new owner has done.
 *
 * @param jobId the claimed job
 * @param workerId the worker that holds it ({@code claimed_by})
 * @param token the job's {@code attempts} after this claim; a later claim has a larger one
 */
public record Lease(String jobId, String workerId, long token) {
    public Lease {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(workerId, "workerId");
        if (token < 1) throw new IllegalArgumentException("token must be positive");
    }
}
