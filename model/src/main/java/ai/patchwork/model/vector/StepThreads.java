package ai.patchwork.model.vector;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The threads one {@link VectorTransformer#step} runs on: the caller plus {@code count - 1} workers that each take a
 * contiguous share of a loop (the output columns of a matmul, the rows of a row-wise phase), or, for a matmul with
 * LoRA deltas beside it ({@link #overlap}), pieces and items claimed as they go. Every output is computed by the same
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

    private static final StepThreads SINGLE = new StepThreads(1);

    private final int count;
    private final Thread[] workers;
    private final AtomicInteger done = new AtomicInteger();
    private volatile long generation;
    private volatile boolean closed;
    private Job job; // published by the write of generation
    private volatile Throwable failure;

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
     * Runs {@code share} over {@code [0, n)} cut into {@link #count()} contiguous pieces whose bounds are multiples of
     * {@code align} (the last piece takes the rest), and returns when all are done.
     */
    void split(int n, int align, Share share) {
        if (count == 1 || n <= align) {
            share.run(0, n, 0);
            return;
        }
        int units = (n + align - 1) / align;
        run(lane -> {
            int from = Math.min(n, units * lane / count * align);
            int to = lane == count - 1 ? n : Math.min(n, units * (lane + 1) / count * align);
            if (from < to) share.run(from, to, lane);
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
        run(lane -> {
            if (lane == 0) {
                for (int f = 0; taken.getAndIncrement() < pieces; f++)
                    main.run(f * piece, Math.min(n, (f + 1) * piece), 0);
            }
            for (int i; (i = nextItem.getAndIncrement()) < items; ) side.run(i, lane);
            if (lane != 0) {
                while (taken.getAndIncrement() < pieces) {
                    int b = pieces - 1 - fromBack.getAndIncrement();
                    main.run(b * piece, Math.min(n, (b + 1) * piece), lane);
                }
            }
        });
    }

    /** What every lane of one loop runs, lane 0 being the caller. */
    private interface Job {
        void run(int lane);
    }

    private void run(Job job) {
        // A worker that has not yet seen close() would otherwise take this loop and run it.
        if (closed) throw new IllegalStateException("the step threads are closed");
        this.job = job;
        done.set(0);
        generation++; // publishes job
        for (Thread w : workers) LockSupport.unpark(w);
        Throwable own = null;
        try {
            job.run(0);
        } catch (Throwable t) {
            own = t;
        }
        awaitWorkers();
        this.job = null;
        Throwable t = own != null ? own : failure;
        failure = null;
        if (t instanceof RuntimeException e) throw e;
        if (t instanceof Error e) throw e;
    }

    private void awaitWorkers() {
        long start = System.nanoTime();
        while (done.get() < workers.length) {
            if (closed) {
                awaitExit();
                if (done.get() < workers.length)
                    throw new IllegalStateException("the step threads were closed during a step");
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
        long seen = 0;
        while (true) {
            long start = System.nanoTime();
            while (generation == seen && !closed) {
                if (System.nanoTime() - start < SPIN_NANOS) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            if (generation == seen) return; // closed while idle; a loop already started is finished first
            seen = generation;
            try {
                job.run(lane);
            } catch (Throwable t) {
                failure = t;
            }
            done.incrementAndGet();
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
