package ai.patchwork.model.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.patchwork.model.Fixtures;
import ai.patchwork.model.fixture.TinyModels;
import ai.patchwork.model.lora.LoraOps;
import ai.patchwork.model.lora.PeftConfig;
import ai.patchwork.model.lora.TrainableLora;
import ai.patchwork.model.train.CausalLmLoss;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tiny-llama fixture converted to BF16, loaded twice: as float32 and with {@link WeightStorage#HALF}. Both hold
 * the same BF16 values (float16 holds them exactly in its normal range) and compute in float32, so the logits and the
 * LoRA gradients of the half model, back-propagated block by block, are the float32 model's up to float32 rounding.
 */
class HalfWeightsTrainingTest {

    static final int[] ROW = {72, 101, 319, 111, 264, 275, 304, 33, 44, 55, 66, 77, 88, 99, 111};
    static NDManager manager;
    static Transformer f32;
    static Transformer half;

    @BeforeAll
    static void load() throws IOException {
        Path dir = TinyModels.bf16Copy(Fixtures.tinyLlamaModel(), Files.createTempDirectory("tiny-bf16"));
        manager = NDManager.newBaseManager();
        f32 = Transformer.load(dir, WeightStorage.FLOAT32, manager);
        half = Transformer.load(dir, WeightStorage.HALF, manager);
    }

    @AfterAll
    static void close() {
        f32.close();
        half.close();
        manager.close();
    }

    static PeftConfig peft() {
        return new PeftConfig(8, 16, false, EnumSet.allOf(Projection.class), "tiny-llama");
    }

    static NDArray ids(NDManager m) {
        return m.create(Arrays.stream(ROW).asLongStream().toArray(), new Shape(1, ROW.length));
    }

    static NDArray weights(NDManager m) {
        float[] w = new float[ROW.length];
        Arrays.fill(w, 7, ROW.length, 1f);
        return m.create(w, new Shape(1, ROW.length));
    }

    @Test
    void halfStorageKeepsTheMatricesAsFloat16AndAFloat32CheckpointAsFloat32() {
        assertTrue(half.hasHalfWeights());
        assertFalse(f32.hasHalfWeights());
        assertEquals(
                DataType.FLOAT16, half.blocks().get(0).mlp().down().weight().getDataType());
        assertEquals(DataType.FLOAT16, half.lmHead().getDataType());
        assertEquals(DataType.FLOAT32, half.norm().weight().getDataType());
        try (Transformer fromF32 = Transformer.load(Fixtures.tinyLlamaModel(), WeightStorage.HALF, manager)) {
            assertFalse(fromF32.hasHalfWeights(), "a float32 checkpoint keeps float32");
        }
    }

    @Test
    void halfModelGivesTheFloat32Logits() {
        try (NDManager m = manager.newSubManager()) {
            float[] expected = f32.logits(ids(m), LoraOps.NONE, m).toFloatArray();
            float[] actual = half.logits(ids(m), LoraOps.NONE, m).toFloatArray();
            // Identical weight values and float32 arithmetic: only subnormal float16 values (|w| < 2^-14, error at
            // most 2^-25) can differ, which moves logits of order 1 by far less than 1e-5.
            for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], 1e-5f, "logit " + i);
        }
    }

    @Test
    void blockwiseGradientsOfTheHalfModelAreTheFullGraphGradientsOfTheFloat32Model() {
        try (TrainableLora a = lora();
                TrainableLora b = lora();
                NDManager m = manager.newSubManager()) {
            // given two identical adapters with non-zero B, so that every A and B has a gradient
            // when one is back-propagated through the whole float32 graph and the other block by block on float16
            float[] loss = new float[2];
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = CausalLmLoss.loss(f32.logits(ids(m), a, m), ids(m), weights(m));
                loss[0] = l.getFloat();
                gc.backward(l);
            }
            BlockwiseBackward.run(
                    half,
                    ids(m),
                    b,
                    logits -> {
                        NDArray l = CausalLmLoss.loss(logits, ids(m), weights(m));
                        loss[1] = l.getFloat();
                        return l;
                    },
                    m);

            // then the losses and every gradient agree to float32 rounding
            assertEquals(loss[0], loss[1], 1e-5f, "loss");
            for (String name : a.parameters().keySet()) {
                float[] ga = a.parameters().get(name).getGradient().toFloatArray();
                float[] gb = b.parameters().get(name).getGradient().toFloatArray();
                double scale = 0;
                for (float v : ga) scale = Math.max(scale, Math.abs(v));
                assertTrue(scale > 0, "gradient of " + name + " vanishes");
                for (int i = 0; i < ga.length; i++) assertEquals(ga[i], gb[i], 1e-4 * scale, name + "[" + i + "]");
            }
            assertFalse(half.blocks().get(1).mlp().down().weight().hasGradient(), "base weights must stay frozen");
        }
    }

    @Test
    void blockwiseDropoutDrawsTheSameMasksInBothForwards() {
        // given an adapter with dropout, and the generator seeded
        try (TrainableLora a = lora();
                TrainableLora b = lora();
                NDManager m = manager.newSubManager()) {
            a.setDropout(0.5f);
            b.setDropout(0.5f);

            // when the reference forwards the whole graph, reseeding before each block as the blockwise pass does
            Engine.getInstance().setRandomSeed(11);
            int base = m.randomInteger(0, Integer.MAX_VALUE / 2, new Shape(1), DataType.INT32)
                    .toIntArray()[0];
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                RunState s = f32.runState(m, new int[1], ROW.length, ROW.length, null, a);
                NDArray x = f32.embedding().forward(ids(m), m);
                for (int l = 0; l < f32.blocks().size(); l++) {
                    Engine.getInstance().setRandomSeed(base + l);
                    x = f32.blocks().get(l).forward(x, s);
                }
                gc.backward(CausalLmLoss.loss(f32.head(x), ids(m), weights(m)));
            }
            // and the blockwise pass runs from the same seed
            Engine.getInstance().setRandomSeed(11);
            BlockwiseBackward.run(half, ids(m), b, logits -> CausalLmLoss.loss(logits, ids(m), weights(m)), m);

            // then the gradients agree: the recomputed blocks saw the masks of the first forward
            for (String name : a.parameters().keySet()) {
                float[] ga = a.parameters().get(name).getGradient().toFloatArray();
                float[] gb = b.parameters().get(name).getGradient().toFloatArray();
                double scale = 0;
                for (float v : ga) scale = Math.max(scale, Math.abs(v));
                for (int i = 0; i < ga.length; i++) assertEquals(ga[i], gb[i], 1e-4 * scale, name + "[" + i + "]");
            }
        }
    }

    /** A rank-8 adapter on every projection, B made non-zero so that A has a gradient too. */
    static TrainableLora lora() {
        TrainableLora l = TrainableLora.init(f32.config(), peft(), 3, manager);
        for (NDArray p : l.parameters().values()) p.addi(0.05f);
        return l;
    }
}
