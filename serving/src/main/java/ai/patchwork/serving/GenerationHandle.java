package ai.patchwork.serving;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * A submitted request: its id, its result, and the way to stop it. The listener given at submit receives the
 * stream; {@link #completion()} completes after the listener has seen the last event.
 */
public final class GenerationHandle {

    private final long id;
    private final GenerationListener listener;
    private final SerialExecutor events;
    private final CompletableFuture<Completion> completion = new CompletableFuture<>();
    private volatile Runnable canceller = () -> {};

    GenerationHandle(long id, GenerationListener listener, SerialExecutor events) {
        this.id = id;
        this.listener = listener;
        this.events = events;
        // Cancelling the future is the same as cancelling the request.
        completion.whenComplete((c, err) -> {
            if (err instanceof CancellationException) cancel();
        });
    }

    public long id() {
        return id;
    }

    /**
     * The result. Completes normally for finish reasons stop, length and cancelled (the latter with the usage so far),
     * and exceptionally when the request failed ({@link AdapterLoadException}, a model error, or the engine closing).
     */
    public CompletableFuture<Completion> completion() {
        return completion;
    }

    /**
     * Stops the request: a queued request leaves the queue; a running one frees its KV slot and its adapter reference
     * before the next step. Idempotent; a no-op once finished.
     */
    public void cancel() {
        if (!completion.isDone() || completion.isCancelled()) canceller.run();
    }

    void onCancel(Runnable canceller) {
        this.canceller = canceller;
    }

    public boolean isDone() {
        return completion.isDone();
    }

    void token(TokenEvent event) {
        events.execute(() -> listener.onToken(event));
    }

    void finish(TokenEvent last, Completion result) {
        events.execute(() -> {
            try {
                listener.onToken(last);
            } finally {
                completion.complete(result);
            }
        });
    }

    void fail(Throwable error) {
        events.execute(() -> {
            try {
                listener.onError(error);
            } finally {
                completion.completeExceptionally(error);
            }
        });
    }
}
