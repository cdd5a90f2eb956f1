package ai.patchwork.model.vector;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.LoraWeights;
import ai.patchwork.model.lora.PeftConfig;
import ai.patchwork.model.nn.Projection;
import java.lang.foreign.Arena;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Runs a model's kernels before it serves, so the JIT has compiled them (SIMD code runs orders of magnitude slower
 * interpreted) and the first requests, and whatever runs beside them on a small machine, do not pay for it.
 *
 * <p>First on a {@link Miniature} of the model (same family, head size, grouping, biases and weight precision, a few
 * hundred wide), whose steps take a millisecond: hundreds of them get every kernel path compiled by the JIT's
 * optimizing tier within about a second, where the model's own steps would take a tenth of a second each, the first
 * ones interpreted for many seconds. Then, once the compiler's queue has drained, a few steps of the model itself, so
 * code that depends on its real shapes is compiled too and its weights' pages are touched once. Last, oneDNN's
 * primitives for every row count a product can run on ({@link NativeGemm#plan}), so that no prompt length or batch
 * size makes one while a request waits.
 *
 * <p>The miniature's share of the budget is counted in CPU time of the calling thread (it steps too), not wall time:
 * on a busy machine the same work gets done, just later, instead of a warm-up cut short that leaves the first
 * requests interpreted.
 *
 * <p>Each phase steps what requests step: batches mixing a synthetic adapter and the base model, prefill of four rows
 * and of one longer prompt, then decode alternating steps of four rows, of one base row and of one adapter row (each
 * runs different kernels), in a cache and slots of its own, on the threads the engine steps on. Two rows share the
 * adapter, so the two-rows-at-once LoRA path runs too.
 */
final class WarmUp {

    /** Prompt tokens per sequence: with 4 sequences, prefill runs the 4-row tiles; few, so a large model warms fast. */
    private static final int PROMPT = 2;

    /** Tokens of the one-sequence prefill, as a short chat request's prompt. */
    private static final int SHORT_PROMPT = 12;

    /** Steps of the model itself after its miniature's: one of each kind. */
    private static final int REAL_STEPS = 4;

    /** The compiler counts as idle once its total time has not grown for this long. */
    private static final long COMPILER_QUIET_NANOS = 100_000_000L;

    private WarmUp() {}

    /**
     * Steps the miniature until {@code steps} decode steps or three quarters of {@code budgetNanos} of this thread's CPU
     * time have passed, waits for the compiler for at most the last quarter (wall time), then steps the model a few
     * times and makes its products' primitives (those run even past the budget).
     */
    static void run(VectorTransformer model, int steps, long budgetNanos, StepThreads threads, AdapterStorage storage) {
        Clock cpu = Clock.cpu();
        try (VectorTransformer mini = Miniature.of(model)) {
            exercise(mini, steps, cpu, cpu.now() + budgetNanos * 3 / 4, threads, storage);
        }
        awaitCompiler(System.nanoTime() + budgetNanos / 4);
        exercise(model, REAL_STEPS, Clock.NEVER, 0, threads, storage);
        plan(model, threads);
    }

    /** Every oneDNN primitive the model's products can run on, once per distinct shape. */
    private static void plan(VectorTransformer model, StepThreads threads) {
        record Shape(int n, int k) {}
        Set<Shape> done = new HashSet<>();
        for (PackedMatrix m : model.weights().matrices()) {
            if (m.precision().oneDnn() && done.add(new Shape(m.n(), m.k()))) {
                NativeGemm.plan(m, threads);
            }
        }
    }

    /** What a deadline is measured in. */
    private interface Clock {
        Clock NEVER = () -> 0;

        long now();

        /** CPU time of the calling thread, or wall time where the JVM cannot measure it. */
        static Clock cpu() {
            ThreadMXBean t = ManagementFactory.getThreadMXBean();
            return t.isCurrentThreadCpuTimeSupported() && t.isThreadCpuTimeEnabled()
                    ? t::getCurrentThreadCpuTime
                    : System::nanoTime;
        }
    }

    private static void exercise(
            VectorTransformer model,
            int steps,
            Clock clock,
            long deadline,
            StepThreads threads,
            AdapterStorage storage) {
        ModelConfig c = model.config();
        int prompt = Math.min(PROMPT, c.maxPositions() / 2);
        int capacity = Math.min(c.maxPositions(), Math.max(SHORT_PROMPT, prompt + steps) + 1);
        VectorLoraSlots slots = new VectorLoraSlots(c, 1, 4, storage);
        slots.set(1, synthetic(c));
        try (Arena arena = Arena.ofShared()) {
            VectorKvCache cache = new VectorKvCache(c, 5, capacity, arena);
            exercise(model, steps, clock, deadline, threads, slots, cache, prompt, capacity);
        }
    }

    private static void exercise(
            VectorTransformer model,
            int steps,
            Clock clock,
            long deadline,
            StepThreads threads,
            VectorLoraSlots slots,
            VectorKvCache cache,
            int prompt,
            int capacity) {
        ModelConfig c = model.config();
        int[] kv = {0, 1, 2, 3};
        int[] lora = {1, 1, 0, 1}; // rows 0 and 1 read the adapter together; row 3 alone, beside a base row
        int token = 1 % c.vocabSize();
        int[][] tokens = new int[4][prompt];
        for (int[] row : tokens) Arrays.fill(row, token);
        model.step(tokens, new int[4], kv, lora, cache, slots, threads);
        int[][] longer = new int[1][Math.min(SHORT_PROMPT, capacity)];
        Arrays.fill(longer[0], token);
        int[] pos = {prompt, prompt, prompt, prompt};
        int[][] four = {{token}, {token}, {token}, {token}};
        int[][] one = {{token}};
        for (int t = 0;
                t < steps && pos[3] < capacity && (clock == Clock.NEVER || clock.now() < deadline);
                t++) { // rows 2, 3 run ahead
            switch (t % 4) {
                case 0 -> { // a batch of four: the kernels that share each weight block over 4 rows
                    model.step(four, pos.clone(), kv, lora, cache, slots, threads);
                    for (int i = 0; i < 4; i++) pos[i]++;
                }
                case 1 -> // one row on the base model: the single-stream kernels that read the weights straight
                    model.step(one, new int[] {pos[2]++}, new int[] {2}, new int[] {0}, cache, slots, threads);
                case 2 -> // one row with an adapter
                    model.step(one, new int[] {pos[3]++}, new int[] {3}, new int[] {1}, cache, slots, threads);
                default -> // one sequence's prompt, as a request's prefill, with and without the adapter
                    model.step(longer, new int[1], new int[] {4}, new int[] {t / 4 % 2}, cache, slots, threads);
            }
        }
    }

    /** Waits until the JIT has compiled nothing for a moment (its queue drained), or until {@code deadline}. */
    private static void awaitCompiler(long deadline) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) return;
        long last = jit.getTotalCompilationTime();
        long quietSince = System.nanoTime();
        while (System.nanoTime() < deadline && System.nanoTime() - quietSince < COMPILER_QUIET_NANOS) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = jit.getTotalCompilationTime();
            if (now != last) {
                last = now;
                quietSince = System.nanoTime();
            }
        }
    }

    /** A rank-4 adapter on all seven projections with small constant weights. */
    private static AdapterWeights synthetic(ModelConfig c) {
        List<LoraWeights> modules = new ArrayList<>();
        int r = 4;
        for (int l = 0; l < c.numLayers(); l++) {
            for (Projection p : Projection.values()) {
                int in = p.inFeatures(c);
                int out = p.outFeatures(c);
                float[] a = new float[r * in];
                float[] b = new float[out * r];
                Arrays.fill(a, 1e-3f);
                Arrays.fill(b, 1e-3f);
                modules.add(new LoraWeights(l, p, r, in, out, a, b, 1f));
            }
        }
        return new AdapterWeights(
                "warm-up", new PeftConfig(r, r, false, EnumSet.allOf(Projection.class), null), modules);
    }
}
