package ai.patchwork.model.lora;

import static ai.patchwork.model.fixture.TinyModels.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.fixture.TinyAdapterSpec;
import ai.patchwork.model.fixture.TinyAdapterWriter;
import ai.patchwork.model.fixture.TinyModelSpec;
import ai.patchwork.model.fixture.TinyModelWriter;
import ai.patchwork.model.fixture.TinyModels;
import ai.patchwork.model.generate.Generation;
import ai.patchwork.model.generate.GenerationRequest;
import ai.patchwork.model.generate.Generator;
import ai.patchwork.model.generate.LoraMode;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.nn.ProjectionGroup;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.sample.SamplingParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gathered multi-adapter op against the per-sequence reference (vLLM's test_layers pattern): one batch mixing
 * adapters of different ranks, an rsLoRA MLP-only adapter and a sequence without adapter, with slots filled in an
 * order unrelated to the batch order.
 */
class BatchedLoraOpsTest {

    @TempDir
    static Path tmp;

    static NDManager manager;
    static Transformer model;
    static ModelConfig config;
    /** all 7 modules r8; MLP-only rsLoRA r4; q/v r2; o-only r8. */
    static AdapterWeights all8;

    static AdapterWeights mlpRs4;
    static AdapterWeights qv2;
    static AdapterWeights o8;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager();
        config = TinyModelWriter.write(TinyModelSpec.builder().optSeed(31).build(), tmp.resolve("model"));
        model = Transformer.load(tmp.resolve("model"), manager);
        all8 = adapter("all8", TinyAdapterSpec.builder().optSeed(1).build());
        mlpRs4 = adapter(
                "mlp-rs4",
                TinyAdapterSpec.builder()
                        .optRank(4)
                        .optAlpha(8)
                        .optRslora(true)
                        .optTargets(Projection.GATE, Projection.UP, Projection.DOWN)
                        .optSeed(2)
                        .build());
        qv2 = adapter(
                "qv2",
                TinyAdapterSpec.builder()
                        .optRank(2)
                        .optAlpha(4)
                        .optTargets(Projection.Q, Projection.V)
                        .optSeed(3)
                        .build());
        o8 = adapter(
                "o8",
                TinyAdapterSpec.builder()
                        .optTargets(Projection.O)
                        .optAlpha(32)
                        .optSeed(4)
                        .build());
    }

    static AdapterWeights adapter(String id, TinyAdapterSpec spec) {
        TinyAdapterWriter.write(config, spec, tmp.resolve(id));
        return AdapterWeights.load(id, tmp.resolve(id), config);
    }

    @AfterAll
    static void close() {
        model.close();
        manager.close();
    }

    static NDArray random(NDManager m, SplittableRandom r, long... shape) {
        float[] v = new float[(int) new Shape(shape).size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return m.create(v, new Shape(shape));
    }

    @Test
    void gatheredSlotsEqualThePerSequenceReferenceForEveryLayerAndGroup() {
        // Batch order: mlp-rs4, none, all8, qv2, all8, o8; slots filled as all8→3, mlp-rs4→1, qv2→4, o8→2.
        List<AdapterWeights> perSequence = Arrays.asList(mlpRs4, null, all8, qv2, all8, o8);
        int[] mapping = {1, 0, 3, 4, 3, 2};
        SplittableRandom r = new SplittableRandom(99);
        try (NDManager m = manager.newSubManager();
                LoraSlots slots = new LoraSlots(config, 4, 8, m)) {
            slots.set(3, all8);
            slots.set(1, mlpRs4);
            slots.set(4, qv2);
            slots.set(2, o8);
            ReferenceLoraOps reference = new ReferenceLoraOps(config, perSequence);
            try (BatchedLoraOps batched = new BatchedLoraOps(slots, new BatchLoraMapping(mapping), m)) {
                for (int layer = 0; layer < config.numLayers(); layer++) {
                    for (ProjectionGroup g : ProjectionGroup.values()) {
                        NDArray x = random(m, r, 6, 3, g.inFeatures(config)); // (B, T, in)
                        NDArray y = random(m, r, 6, 3, g.outFeatures(config)); // (B, T, out)
                        float[] base = y.toFloatArray();
                        float[] want = reference.apply(layer, g, x, y).toFloatArray();
                        float[] got = batched.apply(layer, g, x, y.duplicate()).toFloatArray();
                        double err = maxAbsDiff(want, got);
                        assertTrue(err < 1e-5, "layer " + layer + " " + g + ": max error " + err);
                        assertRowUnchanged(base, got, 1, "no adapter, layer " + layer + " " + g);
                        boolean rsTargets = g == ProjectionGroup.GATE_UP || g == ProjectionGroup.DOWN;
                        assertTrue(rowChanged(base, got, 0) == rsTargets, "mlp-rs4 in " + g);
                        assertTrue(rowChanged(base, got, 2), "all8 in " + g);
                        assertTrue(rowChanged(base, got, 5) == (g == ProjectionGroup.O), "o8 in " + g);
                    }
                }
            }
        }
    }

    @Test
    void referenceDeltaIsScaleTimesXATransposedBTransposed() {
        // rsLoRA: s = alpha / sqrt(r) = 8 / 2 = 4, not alpha / r = 2.
        LoraWeights down = mlpRs4.module(1, Projection.DOWN);
        assertEquals(4.0, down.scale(), 1e-6);
        SplittableRandom r = new SplittableRandom(5);
        try (NDManager m = manager.newSubManager()) {
            NDArray x = random(m, r, 1, 2, config.intermediateSize());
            NDArray y = m.zeros(new Shape(1, 2, config.hiddenSize()));
            float[] got = new ReferenceLoraOps(config, Arrays.asList(mlpRs4))
                    .apply(1, ProjectionGroup.DOWN, x, y)
                    .toFloatArray();
            float[] xs = x.toFloatArray();
            int in = down.in();
            int out = down.out();
            int rank = down.rank();
            for (int t = 0; t < 2; t++) {
                for (int o = 0; o < out; o++) {
                    double sum = 0;
                    for (int k = 0; k < rank; k++) {
                        double xa = 0;
                        for (int i = 0; i < in; i++) xa += xs[t * in + i] * down.a()[k * in + i];
                        sum += xa * down.b()[o * rank + k];
                    }
                    assertEquals(4 * sum, got[t * out + o], 1e-4);
                }
            }
        }
    }

    @Test
    void baseOnlyMappingLeavesOutputsAlone() {
        try (NDManager m = manager.newSubManager();
                LoraSlots slots = new LoraSlots(config, 1, 8, m)) {
            slots.set(1, all8);
            try (BatchedLoraOps ops = new BatchedLoraOps(slots, new BatchLoraMapping(new int[] {0, 0}), m)) {
                NDArray y = random(m, new SplittableRandom(1), 2, 1, config.hiddenSize());
                float[] before = y.toFloatArray();
                NDArray x = random(m, new SplittableRandom(2), 2, 1, config.qDim());
                assertArrayEquals(before, ops.apply(0, ProjectionGroup.O, x, y).toFloatArray());
            }
        }
    }

    @Test
    void generatorGivesTheSameTokensBatchedAndReference() {
        List<GenerationRequest> requests = new ArrayList<>();
        AdapterWeights[] adapters = {qv2, null, all8, mlpRs4, all8, o8};
        for (int i = 0; i < adapters.length; i++) {
            requests.add(new GenerationRequest(
                    TinyModels.randomIds(3 + 2 * i, 512, 100 + i), SamplingParams.greedy(10), adapters[i], true));
        }
        Generator generator = new Generator(model, null);
        List<Generation> batched = generator.generate(requests, LoraMode.BATCHED);
        List<Generation> reference = generator.generate(requests, LoraMode.REFERENCE);
        for (int i = 0; i < requests.size(); i++) {
            assertArrayEquals(reference.get(i).tokenIds(), batched.get(i).tokenIds(), "request " + i);
            double err =
                    maxAbsDiff(reference.get(i).logitsLast(), batched.get(i).logitsLast());
            assertTrue(err < 1e-4, "request " + i + ": max |logit error| " + err);
        }
        // Each adapter really changes the model: the same prompt without it gives other logits.
        for (int i = 0; i < requests.size(); i++) {
            if (adapters[i] == null) continue;
            GenerationRequest base =
                    new GenerationRequest(requests.get(i).promptIds(), SamplingParams.greedy(1), null, true);
            Generation plain =
                    generator.generate(List.of(base), LoraMode.BATCHED).get(0);
            assertTrue(maxAbsDiff(plain.logitsLast(), batched.get(i).logitsLast()) > 1e-3, "adapter of request " + i);
        }
    }

    @Test
    void adapterAloneEqualsAdapterInAMixedBatch() {
        int[] prompt = TinyModels.randomIds(7, 512, 77);
        Generator generator = new Generator(model, null);
        Generation alone = generator
                .generate(
                        List.of(new GenerationRequest(prompt, SamplingParams.greedy(8), mlpRs4, true)),
                        LoraMode.BATCHED)
                .get(0);
        List<GenerationRequest> mixed = List.of(
                new GenerationRequest(TinyModels.randomIds(11, 512, 1), SamplingParams.greedy(3), all8, false),
                new GenerationRequest(prompt, SamplingParams.greedy(8), mlpRs4, true),
                new GenerationRequest(TinyModels.randomIds(2, 512, 2), SamplingParams.greedy(12), null, false));
        Generation inBatch = generator.generate(mixed, LoraMode.BATCHED).get(1);
        assertArrayEquals(alone.tokenIds(), inBatch.tokenIds());
        assertTrue(maxAbsDiff(alone.logitsLast(), inBatch.logitsLast()) < 1e-4);
    }

    static void assertRowUnchanged(float[] before, float[] after, int row, String what) {
        assertTrue(!rowChanged(before, after, row), what);
    }

    /** Whether sequence {@code row} of a (6, T, out) output differs from the base output. */
    static boolean rowChanged(float[] before, float[] after, int row) {
        int per = before.length / 6;
        for (int i = row * per; i < (row + 1) * per; i++) {
            if (before[i] != after[i]) return true;
        }
        return false;
    }
}
