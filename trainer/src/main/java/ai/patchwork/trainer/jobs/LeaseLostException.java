package ai.patchwork.trainer.jobs;

/**
 * A worker tried to record progress for a job its {@link Lease} no longer holds (another worker claimed it after the
 * lease expired): nothing was written, and the worker must stop working on the job.
 */
public final class LeaseLostException extends RuntimeException {
    public LeaseLostException(Lease lease) {
        super("worker " + lease.workerId() + " no longer holds job " + lease.jobId() + " (claim " + lease.token()
                + ")");
    }
}
