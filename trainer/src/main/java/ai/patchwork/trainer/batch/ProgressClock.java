package ai.patchwork.trainer.batch;

import java.time.Instant;

/**
 * When the job this worker runs last made progress (a pipeline step started, a training step ended); the worker's
 * stall watchdog reads it to give up the lease of a job that hangs. Shared across the jobs the worker runs one after
 * another, like {@link ShutdownSignal}.
 */
final class ProgressClock {
    private volatile Instant lastProgress = Instant.EPOCH;

    /** The job made progress. */
    void touch() {
        lastProgress = Instant.now();
    }

    Instant lastProgress() {
        return lastProgress;
    }
}
