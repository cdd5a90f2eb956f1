package ai.patchwork.serving;

/**
 * Receives a request's stream. Calls for one request come one at a time, in order, on a dispatcher thread (never the
 * engine loop), so a slow consumer such as a blocked HTTP write delays only its own stream. After the last
 * {@link TokenEvent} (or {@link #onError}) nothing more arrives.
 */
@FunctionalInterface
public interface GenerationListener {

    /** Ignores everything: for callers that only wait on {@link GenerationHandle#completion()}. */
    GenerationListener NONE = event -> {};

    void onToken(TokenEvent event);

    /**
     * The request failed before it finished: its adapter could not be loaded, the model step failed, or the engine was
     * closed. No final {@link TokenEvent} follows.
     */
    default void onError(Throwable error) {}
}
