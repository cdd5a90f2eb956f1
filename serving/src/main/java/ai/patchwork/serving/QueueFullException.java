package ai.patchwork.serving;

import java.time.Duration;

/**
 * The waiting queue is full: the engine sheds load at once instead of letting latency grow without bound. HTTP maps
 * it to 429 with {@code Retry-After: }{@link #retryAfter()}.
 */
public final class QueueFullException extends RuntimeException {

    private final Duration retryAfter;

    public QueueFullException(int queued, Duration retryAfter) {
        super("the engine's queue is full (" + queued + " requests waiting); retry after " + retryAfter.toSeconds()
                + " s");
        this.retryAfter = retryAfter;
    }

    /** An estimate of when a slot in the queue frees up: recent time per request × requests ahead ÷ batch size. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
