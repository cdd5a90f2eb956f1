package ai.patchwork.model.vector;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.LoraWeights;
import ai.patchwork.model.lora.PeftConfig;
import ai.patchwork.model.nn.Projection;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * Runs a model's kernels before it serves, so the JIT has compiled them (SIMD code runs orders of magnitude slower
 * interpreted) and the first requests, and whatever runs beside them on a small machine, do not pay for it: a few
 * batches mixing a synthetic adapter and the base model, prefill then decode, in a cache and slots of its own, on the
 * threads the engine steps on, alternating steps of four rows and steps of one, which run different kernels. Two rows
 * share the adapter, so the two-rows-at-once LoRA path runs too. The kernels are the model's own, on its real shapes.
 */
final class WarmUp {

    /** Prompt tokens per sequence: with 4 sequences, prefill runs the 4-row tiles; few, so a large model warms fast. */
    private static final int PROMPT = 2;

    private WarmUp() {}

    /** Steps until {@code steps} decode steps or {@code budgetNanos} have passed, whichever comes first. */
    static void run(VectorTransformer model, int steps, long budgetNanos, StepThreads threads, AdapterStorage storage) {
        ModelConfig c = model.config();
        long deadline = System.nanoTime() + budgetNanos;
        int prompt = Math.min(PROMPT, c.maxPositions() / 2);
        int capacity = Math.min(c.maxPositions(), prompt + steps + 1);
        VectorLoraSlots slots = new VectorLoraSlots(c, 1, 4, storage);
        slots.set(1, synthetic(c));
        try (Arena arena = Arena.ofShared()) {
            run(model, steps, deadline, threads, slots, new VectorKvCache(c, 4, capacity, arena), prompt, capacity);
        }
    }

    private static void run(
            VectorTransformer model,
            int steps,
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
        for (int[] row : tokens) java.util.Arrays.fill(row, token);
        model.step(tokens, new int[4], kv, lora, cache, slots, threads);
        int[] pos = {prompt, prompt, prompt, prompt};
        int[][] four = {{token}, {token}, {token}, {token}};
        int[][] one = {{token}};
        for (int t = 0; t < steps && pos[2] < capacity && System.nanoTime() < deadline; t++) { // row 2 runs ahead
            if (t % 2 == 0) { // a batch of four: the kernels that share each weight block over 4 rows
                model.step(four, pos.clone(), kv, lora, cache, slots, threads);
                for (int i = 0; i < 4; i++) pos[i]++;
            } else { // one row on the base model: the single-stream kernels that read the weights straight
                model.step(one, new int[] {pos[2]++}, new int[] {2}, new int[] {0}, cache, slots, threads);
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
                java.util.Arrays.fill(a, 1e-3f);
                java.util.Arrays.fill(b, 1e-3f);
                modules.add(new LoraWeights(l, p, r, in, out, a, b, 1f));
            }
        }
        return new AdapterWeights(
                "warm-up", new PeftConfig(r, r, false, EnumSet.allOf(Projection.class), null), modules);
    }
}
