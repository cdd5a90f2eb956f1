package ai.patchwork.model.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.Fixtures;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.config.ModelFamily;
import ai.patchwork.model.fixture.TinyAdapterSpec;
import ai.patchwork.model.fixture.TinyAdapterWriter;
import ai.patchwork.model.fixture.TinyModelSpec;
import ai.patchwork.model.fixture.TinyModelWriter;
import ai.patchwork.model.fixture.TinyModels;
import ai.patchwork.model.kv.KvCache;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.BatchLoraMapping;
import ai.patchwork.model.lora.BatchedLoraOps;
import ai.patchwork.model.lora.LoraSlots;
import ai.patchwork.model.lora.LoraWeights;
import ai.patchwork.model.lora.PeftConfig;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.safetensors.DType;
import ai.patchwork.model.sample.Sampler;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

/**
 * The CPU runtime against the fixture's float64 figures (logits ≤ 1e-4, greedy ids exact) and against the DJL
 * forward on generated variants: GQA with one KV head, Qwen2 biases, tied embeddings, BF16, sizes with SIMD tails,
 * chunked prefill and decode of a batch mixing adapters (rsLoRA, MLP-only, different ranks) and the base model.
 */
class VectorTransformerTest {

    static NDManager manager;

    @TempDir
    Path tmp;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    /** Greedy decoding of whole batches with the CPU runtime: prefill, then one token per sequence per step. */
    static int[][] greedy(
            VectorTransformer m, int[][] prompts, int[] loraSlots, VectorLoraSlots lora, int n, float[][] firstLogits) {
        int b = prompts.length;
        int longest = 0;
        for (int[] p : prompts) longest = Math.max(longest, p.length);
        VectorKvCache cache = new VectorKvCache(m.config(), b + 2, longest + n, Arena.ofAuto());
        int[] kvSlots = new int[b];
        for (int i = 0; i < b; i++) kvSlots[i] = b + 1 - i; // not 0..B-1: slots are arbitrary
        float[][] logits = m.step(prompts, new int[b], kvSlots, loraSlots, cache, lora);
        if (firstLogits != null) System.arraycopy(logits, 0, firstLogits, 0, b);
        int[][] out = new int[b][n];
        int[] pos = new int[b];
        for (int t = 0; t < n; t++) {
            int[][] next = new int[b][1];
            for (int i = 0; i < b; i++) {
                out[i][t] = next[i][0] = Sampler.argmax(logits[i]);
                pos[i] = prompts[i].length + t;
            }
            if (t + 1 < n) logits = m.step(next, pos, kvSlots, loraSlots, cache, lora);
        }
        return out;
    }

    /** With adapters held exactly and in 24 bits: both within 1e-4 of the float64 logits, greedy ids exact. */
    @ParameterizedTest
    @EnumSource(AdapterStorage.class)
    void reproducesEveryExpectedJsonCase(AdapterStorage storage) {
        try (VectorTransformer m = VectorTransformer.load(Fixtures.tinyLlamaModel())) {
            long t0 = System.nanoTime();
            m.warmUp(100_000, 200_000_000L); // its own cache and slots: nothing below may see it
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "the warm-up keeps to its time budget");
            ModelConfig c = m.config();
            VectorLoraSlots lora = new VectorLoraSlots(c, 4, 16, storage);
            List<String> names = new ArrayList<>(List.of("base"));
            for (JsonNode s : Fixtures.expected().get("single")) {
                String a = s.get("adapter").asString();
                if (!names.contains(a)) names.add(a);
            }
            for (int i = 1; i < names.size(); i++) {
                lora.set(
                        i,
                        AdapterWeights.load(
                                names.get(i),
                                Fixtures.tinyLlama().resolve("adapters").resolve(names.get(i)),
                                c));
            }
            for (JsonNode s : Fixtures.expected().get("single")) {
                int[] want = ints(s.get("greedy_16"));
                float[][] first = new float[1][];
                int slot = names.indexOf(s.get("adapter").asString());
                int[][] got =
                        greedy(m, new int[][] {ints(s.get("prompt_ids"))}, new int[] {slot}, lora, want.length, first);
                JsonNode logits = s.get("logits_last");
                double worst = 0;
                for (int i = 0; i < logits.size(); i++)
                    worst = Math.max(worst, Math.abs(logits.get(i).asDouble() - first[0][i]));
                assertTrue(worst <= 1e-4, s.get("adapter") + ", " + storage + ": max |logit error| " + worst);
                assertArrayEquals(want, got[0], "greedy ids for " + s.get("adapter"));
            }
            JsonNode mixed = Fixtures.expected().get("mixed_batch");
            int[][] prompts = new int[mixed.size()][];
            int[] slots = new int[mixed.size()];
            int n = mixed.get(0).get("greedy_12").size();
            for (int i = 0; i < prompts.length; i++) {
                prompts[i] = ints(mixed.get(i).get("prompt_ids"));
                slots[i] = names.indexOf(mixed.get(i).get("adapter").asString());
                assertTrue(slots[i] >= 0);
            }
            int[][] got = greedy(m, prompts, slots, lora, n, null);
            for (int i = 0; i < prompts.length; i++)
                assertArrayEquals(ints(mixed.get(i).get("greedy_12")), got[i], "request " + i);
        }
    }

    /**
     * Architecture variants: same logits as the DJL forward through chunked prefill and decode, every adapter mix, with
     * the adapters held exactly and in 16-bit integers (odd sizes take the widening path of both).
     */
    @ParameterizedTest
    @CsvSource({
        "llama-gqa, EXACT",
        "llama-gqa, INT16",
        "one-kv-head, EXACT",
        "qwen2-bias-tied, INT16",
        "bf16-odd-sizes, EXACT",
        "bf16-odd-sizes, INT16"
    })
    void matchesTheDjlForwardStepByStep(String variant, AdapterStorage storage) {
        TinyModelSpec.Builder spec =
                TinyModelSpec.builder().optVocab(300).optMaxPositions(64).optSeed(variant.hashCode());
        switch (variant) {
            case "llama-gqa" -> spec.optHidden(64).optHeads(4).optKvHeads(2).optIntermediate(128);
            case "one-kv-head" -> spec.optHidden(64).optHeads(4).optKvHeads(1).optIntermediate(96);
            case "qwen2-bias-tied" ->
                spec.optFamily(ModelFamily.QWEN2)
                        .optHidden(64)
                        .optHeads(4)
                        .optKvHeads(2)
                        .optIntermediate(128)
                        .optTieWordEmbeddings(true);
            default ->
                spec.optHidden(48)
                        .optHeads(3)
                        .optKvHeads(1)
                        .optIntermediate(72)
                        .optVocab(277)
                        .optDtype(DType.BF16);
        }
        ModelConfig c = TinyModelWriter.write(spec.optLayers(2).build(), tmp.resolve("model"));
        DType adapterDtype = variant.startsWith("bf16") ? DType.BF16 : DType.F32; // scales 2, 4, 2: exact in bfloat16
        List<AdapterWeights> adapters = List.of(
                adapter(
                        c,
                        "all-r8",
                        TinyAdapterSpec.builder()
                                .optRank(8)
                                .optAlpha(16)
                                .optDtype(adapterDtype)
                                .optSeed(1)),
                adapter(
                        c,
                        "mlp-rslora",
                        TinyAdapterSpec.builder()
                                .optRank(4)
                                .optAlpha(8)
                                .optRslora(true)
                                .optTargets(Projection.GATE, Projection.UP, Projection.DOWN)
                                .optDtype(adapterDtype)
                                .optSeed(2)),
                adapter(
                        c,
                        "attn-r2",
                        TinyAdapterSpec.builder()
                                .optRank(2)
                                .optAlpha(4)
                                .optTargets(Projection.Q, Projection.V, Projection.O)
                                .optDtype(adapterDtype)
                                .optSeed(3)));
        try (Transformer djl = Transformer.load(tmp.resolve("model"), manager);
                LoraSlots djlSlots = new LoraSlots(c, 3, 8, manager);
                KvCache djlCache = new KvCache(c, 4, 40, manager);
                VectorTransformer m = VectorTransformer.load(tmp.resolve("model"))) {
            VectorLoraSlots slots = new VectorLoraSlots(c, 3, 8, storage);
            for (int i = 0; i < 3; i++) {
                djlSlots.set(i + 1, adapters.get(i));
                slots.set(i + 1, adapters.get(i));
            }
            if (adapterDtype == DType.BF16 || storage == AdapterStorage.INT16) {
                assertTrue(slots.widenScratch() > 0, "held in fewer than 32 bits");
            } else {
                assertEquals(0, slots.widenScratch());
            }
            VectorKvCache cache = new VectorKvCache(c, 4, 40, Arena.ofAuto());
            int[] lora = {0, 1, 2, 3};
            int[] kv = {0, 1, 2, 3};
            int[][] chunk1 = {
                TinyModels.randomIds(9, c.vocabSize(), 1),
                TinyModels.randomIds(9, c.vocabSize(), 2),
                TinyModels.randomIds(9, c.vocabSize(), 3),
                TinyModels.randomIds(9, c.vocabSize(), 4)
            };
            int[][] chunk2 = {
                TinyModels.randomIds(7, c.vocabSize(), 5),
                TinyModels.randomIds(7, c.vocabSize(), 6),
                TinyModels.randomIds(7, c.vocabSize(), 7),
                TinyModels.randomIds(7, c.vocabSize(), 8)
            };
            try (BatchedLoraOps ops = new BatchedLoraOps(djlSlots, new BatchLoraMapping(lora), manager)) {
                assertClose(
                        djl.step(chunk1, new int[4], kv, djlCache, ops),
                        m.step(chunk1, new int[4], kv, lora, cache, slots));
                int[] starts = {9, 9, 9, 9};
                float[][] want = djl.step(chunk2, starts, kv, djlCache, ops);
                assertClose(want, m.step(chunk2, starts, kv, lora, cache, slots));
                for (int t = 0; t < 12; t++) {
                    int[][] next = new int[4][1];
                    int[] pos = new int[4];
                    for (int i = 0; i < 4; i++) {
                        next[i][0] = Sampler.argmax(want[i]);
                        pos[i] = 16 + t;
                    }
                    want = djl.step(next, pos, kv, djlCache, ops);
                    assertClose(want, m.step(next, pos, kv, lora, cache, slots));
                }
            }
        }
    }

    /**
     * Odd sizes (SIMD tails, a vocabulary and widths that are not multiples of 4), every adapter mix, chunked prefill
     * large enough that the MLP matmuls are split by columns. Each output is computed by the same code on any thread
     * count; only a SIMD sum compiled at a different moment may round differently, so logits agree to 1e-5 (not bit for
     * bit) and the greedy ids exactly.
     */
    @Test
    void matchesOneThreadOnTwoAndThreeThreads() {
        ModelConfig c = TinyModelWriter.write(
                TinyModelSpec.builder()
                        .optVocab(277)
                        .optMaxPositions(64)
                        .optHidden(128)
                        .optHeads(4)
                        .optKvHeads(1)
                        .optIntermediate(341)
                        .optLayers(2)
                        .optSeed(11)
                        .build(),
                tmp.resolve("model"));
        List<AdapterWeights> adapters = List.of(
                adapter(
                        c,
                        "all-r8",
                        TinyAdapterSpec.builder().optRank(8).optAlpha(16).optSeed(1)),
                adapter(
                        c,
                        "mlp-rslora",
                        TinyAdapterSpec.builder()
                                .optRank(4)
                                .optAlpha(8)
                                .optRslora(true)
                                .optTargets(Projection.GATE, Projection.UP, Projection.DOWN)
                                .optSeed(2)));
        try (VectorTransformer m = VectorTransformer.load(tmp.resolve("model"))) {
            VectorLoraSlots slots = new VectorLoraSlots(c, 2, 8, AdapterStorage.INT16);
            slots.set(1, adapters.get(0));
            slots.set(2, adapters.get(1));
            int b = 5;
            int[] lora = {0, 1, 2, 1, 0};
            int[] kv = {4, 0, 3, 1, 2};
            int[][] chunk1 = new int[b][];
            int[][] chunk2 = new int[b][];
            for (int i = 0; i < b; i++) {
                chunk1[i] = TinyModels.randomIds(3 + 2 * i, c.vocabSize(), i);
                chunk2[i] = TinyModels.randomIds(5, c.vocabSize(), 10 + i);
            }
            assertTrue(
                    35L * 2 * c.intermediateSize() * c.hiddenSize() >= Gemm.MIN_SPLIT_MACS,
                    "gate/up of the first chunk is split");
            List<float[][]> single = run(m, slots, StepThreads.single(), chunk1, chunk2, kv, lora);
            for (int threads : new int[] {2, 3}) {
                try (StepThreads pool = StepThreads.of(threads)) {
                    List<float[][]> got = run(m, slots, pool, chunk1, chunk2, kv, lora);
                    for (int step = 0; step < single.size(); step++) {
                        assertTrue(
                                TinyModels.maxAbsDiff(single.get(step), got.get(step)) <= 1e-5,
                                threads + " threads, step " + step);
                        for (int i = 0; i < single.get(step).length; i++) {
                            assertEquals(
                                    Sampler.argmax(single.get(step)[i]),
                                    Sampler.argmax(got.get(step)[i]),
                                    "greedy id, step " + step);
                        }
                    }
                }
            }
        }
    }

    /**
     * A step reuses the last step's activations when they fit: a small step after a large one with adapters (rows, deltas
     * and scores left behind) gives what the same step gives on a fresh runtime.
     */
    @Test
    void aStepAfterALargerOneGivesWhatAFreshRuntimeGives() {
        try (VectorTransformer used = VectorTransformer.load(Fixtures.tinyLlamaModel());
                VectorTransformer fresh = VectorTransformer.load(Fixtures.tinyLlamaModel())) {
            ModelConfig c = used.config();
            VectorLoraSlots slots = new VectorLoraSlots(c, 1, 8, AdapterStorage.INT16);
            slots.set(
                    1,
                    adapter(
                            c,
                            "all-r8",
                            TinyAdapterSpec.builder().optRank(8).optAlpha(16).optSeed(1)));
            VectorKvCache cache = new VectorKvCache(c, 3, 16, Arena.ofAuto());
            int[][] large = {TinyModels.randomIds(9, c.vocabSize(), 1), TinyModels.randomIds(7, c.vocabSize(), 2)};
            used.step(large, new int[2], new int[] {0, 1}, new int[] {1, 1}, cache, slots);
            int[][] small = {TinyModels.randomIds(3, c.vocabSize(), 3)};
            for (int[] lora : new int[][] {{0}, {1}}) {
                float[][] got = used.step(small, new int[1], new int[] {2}, lora, cache, slots);
                float[][] want = fresh.step(
                        small, new int[1], new int[] {0}, lora, new VectorKvCache(c, 1, 16, Arena.ofAuto()), slots);
                assertTrue(TinyModels.maxAbsDiff(want, got) <= 1e-6, "adapter slot " + lora[0]);
            }
        }
    }

    /** Two prefill chunks of different lengths per sequence, then 10 greedy decode steps; the logits of every step. */
    private static List<float[][]> run(
            VectorTransformer m,
            VectorLoraSlots slots,
            StepThreads threads,
            int[][] chunk1,
            int[][] chunk2,
            int[] kv,
            int[] lora) {
        int b = chunk1.length;
        VectorKvCache cache = new VectorKvCache(m.config(), b, 40, Arena.ofAuto());
        List<float[][]> out = new ArrayList<>();
        out.add(m.step(chunk1, new int[b], kv, lora, cache, slots, threads));
        int[] pos = new int[b];
        for (int i = 0; i < b; i++) pos[i] = chunk1[i].length;
        out.add(m.step(chunk2, pos, kv, lora, cache, slots, threads));
        for (int t = 0; t < 10; t++) {
            int[][] next = new int[b][1];
            for (int i = 0; i < b; i++) {
                next[i][0] = Sampler.argmax(out.getLast()[i]);
                pos[i] = chunk1[i].length + chunk2[i].length + t;
            }
            out.add(m.step(next, pos, kv, lora, cache, slots, threads));
        }
        for (int t = 0; t < 3; t++) { // one row alone, as single-stream decode: its heads split over the threads
            int at = chunk1[1].length + chunk2[1].length + 10 + t;
            int[][] one = {{(7 * t + 3) % m.config().vocabSize()}};
            out.add(m.step(one, new int[] {at}, new int[] {kv[1]}, new int[] {lora[1]}, cache, slots, threads));
        }
        return out;
    }

    @Test
    void anAdapterOfBfloat16ValuesTakesHalfTheSlotBytes() {
        try (VectorTransformer m = VectorTransformer.load(Fixtures.tinyLlamaModel())) {
            ModelConfig c = m.config();
            VectorLoraSlots slots = new VectorLoraSlots(c, 2, 4, AdapterStorage.EXACT);
            slots.set(1, constant(c, 0.5f));
            long half = slots.bytes();
            assertTrue(slots.widenScratch() > 0);
            slots.set(2, constant(c, Math.nextUp(0.5f))); // not a bfloat16: kept in float32
            assertEquals(3 * half, slots.bytes());
            slots.clear(1);
            assertEquals(2 * half, slots.bytes());
            assertEquals(0, slots.widenScratch(), "no bfloat16 slot left");
        }
    }

    /** A rank-4 adapter on q and v with every value {@code v} and scale 2. */
    private static AdapterWeights constant(ModelConfig c, float v) {
        List<LoraWeights> modules = new ArrayList<>();
        for (int l = 0; l < c.numLayers(); l++) {
            for (Projection p : List.of(Projection.Q, Projection.V)) {
                float[] a = new float[4 * p.inFeatures(c)];
                float[] b = new float[p.outFeatures(c) * 4];
                java.util.Arrays.fill(a, v);
                java.util.Arrays.fill(b, v);
                modules.add(new LoraWeights(l, p, 4, p.inFeatures(c), p.outFeatures(c), a, b, 2f));
            }
        }
        return new AdapterWeights(
                "constant", new PeftConfig(4, 8, false, EnumSet.of(Projection.Q, Projection.V), null), modules);
    }

    @Test
    void refusesWhatTheDjlStepRefuses() {
        try (VectorTransformer m = VectorTransformer.load(Fixtures.tinyLlamaModel())) {
            VectorKvCache cache = new VectorKvCache(m.config(), 2, 8, Arena.ofAuto());
            assertThrows(
                    IllegalArgumentException.class,
                    () -> m.step(new int[][] {{1}}, new int[] {0}, new int[] {2}, null, cache, null));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> m.step(new int[][] {{1, 2}}, new int[] {7}, new int[] {0}, null, cache, null));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> m.step(
                            new int[][] {{m.config().vocabSize()}}, new int[] {0}, new int[] {0}, null, cache, null));
            VectorLoraSlots slots = new VectorLoraSlots(m.config(), 1, 2, AdapterStorage.INT16);
            AdapterWeights big = adapter(
                    m.config(), "r8", TinyAdapterSpec.builder().optRank(8).optAlpha(8));
            assertThrows(IllegalArgumentException.class, () -> slots.set(1, big));
            assertEquals(0, slots.bytes());
        }
    }

    AdapterWeights adapter(ModelConfig c, String name, TinyAdapterSpec.Builder spec) {
        Path dir = tmp.resolve(name);
        TinyAdapterWriter.write(c, spec.build(), dir);
        return AdapterWeights.load(name, dir, c);
    }

    static void assertClose(float[][] want, float[][] got) {
        double worst = TinyModels.maxAbsDiff(want, got);
        assertTrue(worst <= 1e-4, "max |logit difference| " + worst);
    }
}
