package ai.patchwork.trainer.batch;

import ai.patchwork.registry.store.ObjectStoreException;
import ai.patchwork.trainer.jobs.JobError;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The object store calls of a running job, retried while the store cannot be reached: a store that restarts or drops
 * out for less than the patience costs the job a wait, not its run. Past the patience the job fails with
 * {@value #CODE} and a message naming what it was doing. Only idempotent calls are retried: content-addressed uploads,
 * reads, and registrations, which fail on the store before they write any row.
 */
public final class StoreRetry {
    /** The error code of a job that gave up waiting for the store. */
    public static final String CODE = "storage_unavailable";

    /** The default patience. */
    public static final Duration DEFAULT_PATIENCE = Duration.ofMinutes(2);

    private static final Logger log = LoggerFactory.getLogger(StoreRetry.class);
    private static final long FIRST_WAIT_MS = 250;
    private static final long MAX_WAIT_MS = 5_000;

    private final Duration patience;

    /**
     * @param patience how long a job retries a call that fails because the store is unreachable; zero: never
     */
    public StoreRetry(Duration patience) {
        if (patience.isNegative()) throw new IllegalArgumentException("store patience must not be negative");
        this.patience = patience;
    }

    /** A retry with the {@link #DEFAULT_PATIENCE default patience}. */
    public static StoreRetry standard() {
        return new StoreRetry(DEFAULT_PATIENCE);
    }

    /** Something done against the object store. */
    @FunctionalInterface
    interface Call<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code call}, again after a growing pause each time it fails because the store is unreachable, until it
     * succeeds or the patience is spent.
     *
     * @param what what the call does, for the job's error ("storing a checkpoint")
     * @throws JobFailure with {@value #CODE} when the store stayed unreachable for the whole patience
     */
    <T> T call(String what, Call<T> call) {
        long deadline = System.nanoTime() + patience.toNanos();
        long wait = FIRST_WAIT_MS;
        for (int attempt = 1; ; attempt++) {
            try {
                return call.run();
            } catch (IOException | RuntimeException e) {
                if (!unreachable(e)) {
                    if (e instanceof IOException io) throw new UncheckedIOException(io);
                    throw (RuntimeException) e;
                }
                if (System.nanoTime() + wait * 1_000_000 > deadline) {
                    throw new JobFailure(new JobError(
                            CODE,
                            "the object store could not be reached for " + patience.toSeconds() + " s while " + what
                                    + ": " + e.getMessage(),
                            null));
                }
                log.warn(
                        "object store unreachable while {} (attempt {}); retrying in {} ms: {}",
                        what,
                        attempt,
                        wait,
                        e.getMessage());
                sleep(wait);
                wait = Math.min(MAX_WAIT_MS, wait * 2);
            }
        }
    }

    /**
     * Whether {@code e} says the store could not be reached or broke off, rather than that the request was wrong (a
     * {@link ai.patchwork.registry.StorageUnavailableException} carries its {@link ObjectStoreException}).
     */
    static boolean unreachable(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof ObjectStoreException
                    || c instanceof SocketException
                    || c instanceof EOFException
                    || c instanceof SocketTimeoutException) return true;
        }
        return false;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the object store", e);
        }
    }
}
