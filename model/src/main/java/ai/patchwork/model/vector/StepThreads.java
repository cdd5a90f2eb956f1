package ai.patchwork.model.vector;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The threads one {@link VectorTransformer#step} runs on: the caller plus {@code count - 1} workers that share each
 * loop of the step (the output columns of a matmul, the rows of a row-wise phase, a matmul's LoRA deltas beside it) in
 * pieces claimed as they go. The caller waits for the pieces, not for the workers: on a machine shared with other
 * processes, a worker the OS has not run yet leaves its pieces to the caller instead of stalling the loop until its
 * next time slice, on each of the hundred-odd loops of a one-row step. Every output is computed by the same
 * code whatever the split, so a step's results match one thread's up to float rounding. Workers spin a while
 * ({@link #SPIN_NANOS}) for the next loop of the step and then park, so an idle engine holds no core. One caller at a time.
 *
 * <pre>
 *   try (StepThreads threads = StepThreads.of(0)) { // one per core
 *     float[][] logits = cpu.step(tokens, starts, kvSlots, loraSlots, cache, lora, threads);
 *   }
 * </pre>
 */
public final class StepThreads implements AutoCloseable {

    /** One share of a loop: indices {@code [from, to)}, on lane {@code lane} (0 is the caller). */
    interface Share {
        void run(int from, int to, int lane);
    }

    /**
     * How long a waiting thread spins before it parks (a worker) or yields (the caller). Spinning catches the next loop
     * of the step without a wake-up, which costs tens of microseconds (more in a VM, whose idle virtual CPU has halted)
     * on each of the ~110 loops of a one-row step; so it spans the caller's serial work between two loops of such a step
     * (a norm, rotary positions, rounding x for oneDNN, the other share's tail). Past it the worker parks: between steps
     * an idle engine holds no core, and the HTTP threads that stream each step's tokens get it back within this long.
     */
    private static final long SPIN_NANOS = 100_000;

    /**
     * Pieces per thread a {@link #split} is cut into: a thread that falls behind (descheduled for another process on a
     * busy machine) then holds up the loop by at most one such piece while the others take the rest.
     */
    static final int PIECES_PER_LANE = 4;

    private static final StepThreads SINGLE = new StepThreads(1);

    private final int count;
    private final Thread[] workers;
    private volatile boolean closed;
    private volatile Job job; // the latest loop; a worker runs each loop it sees once

    private StepThreads(int count) {
        this.count = count;
        this.workers = new Thread[count - 1];
        for (int i = 0; i < workers.length; i++) {
            int lane = i + 1;
            workers[i] =
                    Thread.ofPlatform().daemon().name("patchwork-step-" + lane).unstarted(() -> work(lane));
            workers[i].start();
        }
    }

    /** The caller's thread only: nothing to close. */
    public static StepThreads single() {
        return SINGLE;
    }

    /** The caller plus {@code threads - 1} workers, one per core for 0 ({@link #resolve}); 1 is {@link #single()}. */
    public static StepThreads of(int threads) {
        int n = resolve(threads);
        return n == 1 ? SINGLE : new StepThreads(n);
    }

    /** The thread count a setting asks for: itself, or one per core for 0. */
    public static int resolve(int threads) {
        if (threads < 0)
            throw new IllegalArgumentException("threads must be at least 0 (0: one per core), got " + threads);
        return threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    }

    public int count() {
        return count;
    }

    /**
     * Runs {@code share} over {@code [0, n)} cut into up to {@link #PIECES_PER_LANE} pieces per thread whose bounds are
     * multiples of {@code align} (the last piece takes the rest), claimed as they go, and returns when all are done.
     */
    void split(int n, int align, Share share) {
        if (count == 1 || n <= align) {
            share.run(0, n, 0);
            return;
        }
        int units = (n + align - 1) / align;
        int pieces = Math.min(units, count * PIECES_PER_LANE);
        run(new Job(pieces) {
            @Override
            void work(int lane) {
                for (int p; (p = claim()) >= 0; ) {
                    int from = Math.min(n, units * p / pieces * align);
                    int to = p == pieces - 1 ? n : Math.min(n, units * (p + 1) / pieces * align);
                    if (from < to) attempt(() -> share.run(from, to, lane));
                    else attempt(() -> {});
                }
            }
        });
    }

    /** One item of a loop, on lane {@code lane}. */
    interface Item {
        void run(int index, int lane);
    }

    /**
     * Runs {@code main} over {@code [0, n)} in pieces of {@code piece} (the last may be shorter) and {@code side} for
     * each of {@code [0, items)}, together: the caller takes main's pieces from the front and then side items, the
     * workers side items first and then main's pieces from the back. A side that waits on memory (the adapters' deltas,
     * each row reading its own adapter) then runs beside a main that waits on arithmetic (a matmul over weights that
     * stay in cache) instead of after it, on every core at once. On one thread: main, then side.
     */
    void overlap(int n, int piece, Share main, int items, Item side) {
        if (count == 1) {
            main.run(0, n, 0);
            for (int i = 0; i < items; i++) side.run(i, 0);
            return;
        }
        int pieces = (n + piece - 1) / piece;
        AtomicInteger taken = new AtomicInteger(); // main's pieces claimed from either end
        AtomicInteger fromBack = new AtomicInteger();
        AtomicInteger nextItem = new AtomicInteger();
        run(new Job(pieces + items) {
            @Override
            void work(int lane) {
                if (lane == 0) {
                    for (int f = 0; taken.getAndIncrement() < pieces; f++) {
                        int from = f * piece;
                        attempt(() -> main.run(from, Math.min(n, from + piece), 0));
                    }
                }
                for (int i; (i = nextItem.getAndIncrement()) < items; ) {
                    int item = i;
                    attempt(() -> side.run(item, lane));
                }
                if (lane != 0) {
                    while (taken.getAndIncrement() < pieces) {
                        int from = (pieces - 1 - fromBack.getAndIncrement()) * piece;
                        attempt(() -> main.run(from, Math.min(n, from + piece), lane));
                    }
                }
            }
        });
    }

    /**
     * Runs {@code task} once on every lane (the caller's included), each with its own lane number, and returns when
     * all have: for what each thread keeps for itself, such as oneDNN's primitives ({@link NativeGemm#plan}).
     */
    void everyLane(IntConsumer task) {
        if (count == 1) {
            task.accept(0);
            return;
        }
        run(new Job(count) {
            @Override
            void work(int lane) {
                attempt(() -> task.accept(lane));
            }
        });
    }

    /**
     * One loop: {@code units} pieces of work claimed as they go, done when all have finished. The caller waits on the
     * units, not on the workers: a worker that is not running (descheduled on a busy machine, or still waking) holds
     * up a loop only by a unit it has claimed and not finished, so the caller takes over all the rest.
     */
    private abstract static class Job {
        private final int units;
        private final AtomicInteger claimed = new AtomicInteger();
        private final AtomicInteger finished = new AtomicInteger();
        private volatile Throwable failure;

        Job(int units) {
            this.units = units;
        }

        /** Runs on {@code lane} whatever units it can claim. */
        abstract void work(int lane);

        /** The next unclaimed unit, or -1 when none is left. */
        int claim() {
            int u = claimed.getAndIncrement();
            return u < units ? u : -1;
        }

        /**
         * Runs one claimed unit, unless an earlier one failed, and counts it finished either way: every claimed unit
         * finishes, so the caller never waits for a unit a failure left behind.
         */
        void attempt(Runnable unit) {
            try {
                if (failure == null) unit.run();
            } catch (Throwable t) {
                fail(t);
            } finally {
                finished.incrementAndGet();
            }
        }

        boolean done() {
            return finished.get() >= units;
        }

        void fail(Throwable t) {
            if (failure == null) failure = t;
        }
    }

    private void run(Job job) {
        // A worker that has not yet seen close() would otherwise take this loop and run it.
        if (closed) throw new IllegalStateException("the step threads are closed");
        this.job = job; // publishes the loop to the workers
        for (Thread w : workers) LockSupport.unpark(w);
        try {
            job.work(0);
        } catch (Throwable t) {
            job.fail(t);
        }
        awaitUnits(job);
        Throwable t = job.failure;
        if (t instanceof RuntimeException e) throw e;
        if (t instanceof Error e) throw e;
    }

    private void awaitUnits(Job job) {
        long start = System.nanoTime();
        while (!job.done()) {
            if (closed) {
                awaitExit();
                if (!job.done()) throw new IllegalStateException("the step threads were closed during a step");
                return;
            }
            if (System.nanoTime() - start < SPIN_NANOS) Thread.onSpinWait();
            else Thread.yield();
        }
    }

    /** Waits for the workers to finish what they took and exit. */
    private void awaitExit() {
        for (Thread w : workers) {
            try {
                w.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void work(int lane) {
        Job seen = null;
        while (true) {
            long start = System.nanoTime();
            while (job == seen && !closed) {
                if (System.nanoTime() - start < SPIN_NANOS) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            Job j = job;
            if (j == seen) return; // closed while idle; a loop already started is finished first
            seen = j;
            try {
                j.work(lane);
            } catch (Throwable t) {
                j.fail(t);
            }
        }
    }

    /** Stops the workers. */
    @Override
    public void close() {
        if (this == SINGLE) return;
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
