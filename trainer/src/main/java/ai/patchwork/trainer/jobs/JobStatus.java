package ai.patchwork.trainer.jobs;

/**
 * A fine-tuning job's status, OpenAI's lifecycle: {@code validating_files → queued → running → succeeded | failed |
 * cancelled}. A job is validated by a worker, queued until a worker with capacity takes it, and running while one
 * trains it (possibly resumed by another after a crash).
 */
public enum JobStatus {
    VALIDATING_FILES("validating_files"),
    QUEUED("queued"),
    RUNNING("running"),
    PAUSED("paused"),
    SUCCEEDED("succeeded"),
    FAILED("failed"),
    CANCELLED("cancelled");

    private final String wire;

    JobStatus(String wire) {
        this.wire = wire;
    }

    /** The value in the API and the database. */
    public String wire() {
        return wire;
    }

    public boolean terminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    public static JobStatus of(String wire) {
        for (JobStatus s : values()) if (s.wire.equals(wire)) return s;
        throw new IllegalArgumentException("unknown job status " + wire);
    }
}
