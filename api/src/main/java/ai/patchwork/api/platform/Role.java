package ai.patchwork.api.platform;

/** What a process does; {@code patchwork.roles} lists the roles one process runs. */
public enum Role {
    /** The HTTP API; also migrates the database schema at startup. */
    API,
    /** Runs fine-tuning jobs. */
    WORKER,
    /** Runs inference for the base models and their adapters. */
    SERVING
}
