package ai.patchwork.model.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * Every index of a split runs exactly once, pieces start on the alignment, a held-up worker leaves its pieces to the
 * caller, failures reach the caller.
 */
class StepThreadsTest {

    @Test
    void everyIndexRunsOnceInAlignedPieces() {
        for (int threads = 1; threads <= 4; threads++) {
            try (StepThreads pool = StepThreads.of(threads)) {
                assertEquals(threads, pool.count());
                for (int n : new int[] {0, 1, 3, 4, 5, 31, 32, 277, 1536}) {
                    for (int align : new int[] {1, 4}) {
                        AtomicIntegerArray hits = new AtomicIntegerArray(n);
                        Set<Integer> lanes = ConcurrentHashMap.newKeySet();
                        int a = align;
                        pool.split(n, align, (from, to, lane) -> {
                            assertTrue(from % a == 0, "piece starts at " + from);
                            lanes.add(lane);
                            for (int i = from; i < to; i++) hits.incrementAndGet(i);
                        });
                        for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "index " + i + " of " + n);
                        for (int lane : lanes) assertTrue(lane >= 0 && lane < threads, "lane " + lane);
                    }
                }
            }
        }
    }

    @Test
    void overlapRunsEveryPieceAndEverySideItemOnce() {
        for (int threads = 1; threads <= 4; threads++) {
            try (StepThreads pool = StepThreads.of(threads)) {
                for (int n : new int[] {0, 1, 16, 17, 64, 1536}) {
                    for (int items : new int[] {0, 1, 5, 32}) {
                        AtomicIntegerArray hits = new AtomicIntegerArray(n);
                        AtomicIntegerArray sideHits = new AtomicIntegerArray(items);
                        boolean pieces = threads > 1; // one thread runs the whole range at once
                        pool.overlap(
                                n,
                                16,
                                (from, to, lane) -> {
                                    assertTrue(
                                            from % 16 == 0 && (!pieces || to - from <= 16),
                                            "piece " + from + ".." + to);
                                    for (int i = from; i < to; i++) hits.incrementAndGet(i);
                                },
                                items,
                                (item, lane) -> sideHits.incrementAndGet(item));
                        for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "index " + i + " of " + n);
                        for (int i = 0; i < items; i++) assertEquals(1, sideHits.get(i), "item " + i + " of " + items);
                    }
                }
            }
        }
    }

    @Test
    void aFailingSideItemThrowsInTheCaller() {
        try (StepThreads pool = StepThreads.of(2)) {
            IllegalStateException e = assertThrows(
                    IllegalStateException.class,
                    () -> pool.overlap(64, 16, (f, t, l) -> {}, 8, (item, lane) -> {
                        if (item == 7) throw new IllegalStateException("item 7 failed");
                    }));
            assertEquals("item 7 failed", e.getMessage());
            int[] pieces = new int[1];
            pool.overlap(
                    64,
                    16,
                    (from, to, lane) -> {
                        synchronized (pieces) {
                            pieces[0]++;
                        }
                    },
                    0,
                    (item, lane) -> {});
            assertEquals(4, pieces[0]);
        }
    }

    @Test
    void everyLaneRunsOnceOnItsOwnThread() {
        for (int threads = 1; threads <= 4; threads++) {
            try (StepThreads pool = StepThreads.of(threads)) {
                for (int round = 0; round < 100; round++) {
                    AtomicIntegerArray runs = new AtomicIntegerArray(threads);
                    Set<Thread> seen = ConcurrentHashMap.newKeySet();
                    pool.everyLane(lane -> {
                        runs.incrementAndGet(lane);
                        seen.add(Thread.currentThread());
                    });
                    for (int lane = 0; lane < threads; lane++) assertEquals(1, runs.get(lane), "lane " + lane);
                    assertEquals(threads, seen.size());
                }
            }
        }
    }

    @Test
    void aLoopFinishesWithoutAWorkerThatIsHeldUp() throws Exception {
        try (StepThreads pool = StepThreads.of(2)) {
            CountDownLatch release = new CountDownLatch(1);
            Thread caller = Thread.currentThread();
            int[] callerPieces = new int[1];
            // A piece on the worker blocks until the caller has run every other piece of the loop on its own.
            int[] total = new int[1];
            pool.split(64, 1, (from, to, lane) -> {
                if (Thread.currentThread() != caller) {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                synchronized (total) {
                    total[0] += to - from;
                    if (Thread.currentThread() == caller) callerPieces[0]++;
                    if (total[0] >= 64 - 64 / (2 * StepThreads.PIECES_PER_LANE)) release.countDown();
                }
            });
            assertEquals(64, total[0]);
            assertTrue(
                    callerPieces[0] >= 2 * StepThreads.PIECES_PER_LANE - 1, callerPieces[0] + " pieces on the caller");
        }
    }

    @Test
    void manySplitsInARowLoseNoWakeUp() {
        try (StepThreads pool = StepThreads.of(3)) {
            long[] sum = new long[3];
            for (int round = 0; round < 20_000; round++) {
                pool.split(64, 4, (from, to, lane) -> sum[lane] += to - from);
            }
            assertEquals(20_000L * 64, sum[0] + sum[1] + sum[2]);
        }
    }

    @Test
    void aFailingPieceThrowsInTheCallerAndThePoolGoesOn() {
        try (StepThreads pool = StepThreads.of(2)) {
            IllegalStateException e = assertThrows(
                    IllegalStateException.class,
                    () -> pool.split(8, 1, (from, to, lane) -> {
                        if (from <= 5 && 5 < to) throw new IllegalStateException("index 5 failed");
                    }));
            assertEquals("index 5 failed", e.getMessage());
            int[] count = new int[1];
            pool.split(8, 1, (from, to, lane) -> {
                synchronized (count) {
                    count[0] += to - from;
                }
            });
            assertEquals(8, count[0]);
        }
    }

    @Test
    void aSplitOnClosedThreadsFailsInsteadOfHanging() {
        StepThreads pool = StepThreads.of(2);
        pool.split(8, 1, (from, to, lane) -> {});
        pool.close();
        assertTimeoutPreemptively(
                Duration.ofSeconds(10),
                () -> assertThrows(IllegalStateException.class, () -> pool.split(8, 1, (from, to, lane) -> {})));
    }

    @Test
    void oneThreadIsTheCallerAlone() {
        assertSame(StepThreads.single(), StepThreads.of(1));
        Thread caller = Thread.currentThread();
        StepThreads.single().split(10, 1, (from, to, lane) -> assertSame(caller, Thread.currentThread()));
        assertThrows(IllegalArgumentException.class, () -> StepThreads.of(-1));
        assertEquals(Runtime.getRuntime().availableProcessors(), StepThreads.resolve(0));
    }
}
