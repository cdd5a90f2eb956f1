package ai.patchwork.trainer.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.registry.StorageUnavailableException;
import ai.patchwork.registry.store.ObjectStoreException;
import ai.patchwork.trainer.TrainerException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What {@link StoreRetry} retries, for how long, and how a job fails when the store stays away. */
class StoreRetryTest {

    static ObjectStoreException refused() {
        return new ObjectStoreException("cannot stat sha256/x", new ConnectException("Connection refused"));
    }

    @Test
    void aCallThatFailsWhileTheStoreIsAwayIsRetriedUntilItSucceeds() {
        AtomicInteger calls = new AtomicInteger();
        String result = new StoreRetry(Duration.ofSeconds(30)).call("storing a checkpoint", () -> {
            if (calls.incrementAndGet() < 3) throw refused();
            return "stored";
        });
        assertEquals("stored", result);
        assertEquals(3, calls.get());
    }

    @Test
    void aStoreThatStaysAwayPastThePatienceFailsTheJobWithAClearError() {
        AtomicInteger calls = new AtomicInteger();
        JobFailure failure = assertThrows(
                JobFailure.class,
                () -> new StoreRetry(Duration.ofSeconds(1)).call("storing the adapter", () -> {
                    calls.incrementAndGet();
                    throw refused();
                }));
        assertEquals(StoreRetry.CODE, failure.error().code());
        assertTrue(
                failure.error()
                        .message()
                        .startsWith("the object store could not be reached for 1 s while storing the " + "adapter"),
                failure.error().message());
        // pauses of 250 and 500 ms fit in the second, the next one (1 s) does not: at most three calls
        assertTrue(calls.get() >= 1 && calls.get() <= 3, calls + " calls");
    }

    @Test
    void refusalsThatAreNotAboutReachingTheStoreAreNotRetried() {
        AtomicInteger calls = new AtomicInteger();
        StoreRetry retry = new StoreRetry(Duration.ofSeconds(30));
        TrainerException invalid = TrainerException.invalid("file", "invalid_file", "bad");
        assertSame(
                invalid,
                assertThrows(
                        TrainerException.class,
                        () -> retry.call("x", () -> {
                            calls.incrementAndGet();
                            throw invalid;
                        })));
        assertThrows(
                UncheckedIOException.class,
                () -> retry.call("y", () -> {
                    calls.incrementAndGet();
                    throw new IOException("sha256 mismatch");
                }));
        assertEquals(2, calls.get());
    }

    @Test
    void theStoresUnavailableAnswersCountAsUnreachable() {
        assertTrue(StoreRetry.unreachable(new StorageUnavailableException(new ObjectStoreException("down"))));
        assertTrue(StoreRetry.unreachable(new UncheckedIOException(new ConnectException("refused"))));
    }
}
