package ai.patchwork.trainer.worker;

import ai.patchwork.trainer.jobs.Lease;
import java.time.Instant;

/** Runs a claimed job on the worker's thread (the Spring Batch job in production). */
public interface JobRunner {

    /** Runs the job until it finishes or stops; the claim is released (or the job finished) when this returns. */
    void run(Lease lease);

    /** Asks a running job to stop at its next step boundary (the worker is shutting down). */
    void requestShutdown();

    /** When the running job last made progress (a training step, a pipeline step); the epoch when none runs. */
    Instant lastProgress();
}
