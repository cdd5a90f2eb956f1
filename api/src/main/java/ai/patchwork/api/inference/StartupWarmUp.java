package ai.patchwork.api.inference;

import java.io.IOException;

/**
 * Work the process does once before its health turns UP, beside the {@link StartupRequest}: a path the first client
 * would otherwise run interpreted. Defined where the path lives (the adapter upload and load path:
 * {@code AdapterPathWarmUp}), run by the start-up request's thread before its request.
 */
@FunctionalInterface
public interface StartupWarmUp {

    /** Runs the path once; returns the bytes of data it moved, for the log. */
    long run() throws IOException;
}
