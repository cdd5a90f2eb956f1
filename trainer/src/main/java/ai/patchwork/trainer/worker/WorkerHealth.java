package ai.patchwork.trainer.worker;

import java.util.Objects;

/**
 * Whether a worker does its work: its loop thread is alive and the job it runs (if any) made progress within the
 * stall timeout.
 *
 * @param up true when both hold
 * @param detail what is wrong, or what the worker does
 */
public record WorkerHealth(boolean up, String detail) {
    public WorkerHealth {
        Objects.requireNonNull(detail, "detail");
    }
}
