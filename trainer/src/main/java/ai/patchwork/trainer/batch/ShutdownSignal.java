package ai.patchwork.trainer.batch;

/**
 * Set when this worker shuts down: the running job stops at its next step boundary and is handed back, to be resumed
 * by another worker. The only state the job's steps share across jobs; which job runs, and on which worker, comes
 * from each execution's job parameters ({@link JobRun}).
 */
final class ShutdownSignal {
    private volatile boolean requested;

    void request() {
        requested = true;
    }

    boolean requested() {
        return requested;
    }
}
