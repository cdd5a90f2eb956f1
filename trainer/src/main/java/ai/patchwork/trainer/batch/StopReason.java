package ai.patchwork.trainer.batch;

/** Why a run stopped before the end; kept in the Batch job's execution context for the runner. */
enum StopReason {
    /** The job was cancelled. */
    CANCELLED,
    /** Another worker took the job over: this one's lease had expired. */
    LOST,
    /** The worker is shutting down; another will resume the job from its last checkpoint. */
    SHUTDOWN;

    static final String KEY = "patchwork.stop_reason";
}
