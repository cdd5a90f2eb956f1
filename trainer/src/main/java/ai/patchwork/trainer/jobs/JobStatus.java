package ai.patchwork.trainer.jobs;

import ai.patchwork.registry.WireEnum;

/**
 * A fine-tuning job's status, OpenAI's lifecycle: {@code validating_files → queued → running → succeeded | failed |
 * cancelled}. A job is validated by a worker, queued until a worker with capacity takes it, and running while one
 * trains it (possibly resumed by another after a crash). Its value in the API and the database is {@link #wire()}.
 */
public enum JobStatus implements WireEnum {
    VALIDATING_FILES,
    QUEUED,
    RUNNING,
    PAUSED,
    SUCCEEDED,
    FAILED,
    CANCELLED;

    public boolean terminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    /** Parses a {@link #wire()} name. */
    public static JobStatus of(String wire) {
        return WireEnum.find(JobStatus.class, wire)
                .orElseThrow(() -> new IllegalArgumentException("unknown job status " + wire));
    }
}
