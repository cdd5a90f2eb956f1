package ai.patchwork.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.patchwork.model.Fixtures;
import ai.patchwork.model.generate.Generation;
import ai.patchwork.model.generate.GenerationRequest;
import ai.patchwork.model.generate.Generator;
import ai.patchwork.model.generate.LoraMode;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.AdapterWriter;
import ai.patchwork.model.lora.LoraMerge;
import ai.patchwork.model.lora.PeftConfig;
import ai.patchwork.model.lora.TrainableLora;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.sample.SamplingParams;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainable path: LoRA under autograd with a frozen base, and the trained adapter served and merged. */
class LoraTrainingTest {

    static final int[] PROMPT = {72, 101, 319, 111, 264, 275, 304};
    static final int[] ROW = {72, 101, 319, 111, 264, 275, 304, 33, 44, 55, 66, 77, 88, 99, 111};
    static NDManager manager;
    static Transformer model;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager();
        model = Transformer.load(Fixtures.tinyLlamaModel(), manager);
    }

    @AfterAll
    static void close() {
        model.close();
        manager.close();
    }

    /** Loss weights of {@link #ROW}: the tokens after the prompt count. */
    static float[] weights() {
        float[] weights = new float[ROW.length];
        for (int i = PROMPT.length; i < ROW.length; i++) weights[i] = 1;
        return weights;
    }

    static NDArray ids(int[] row, NDManager m) {
        return m.create(Arrays.stream(row).asLongStream().toArray(), new Shape(1, row.length));
    }

    /** The loss of {@link #ROW} through the trainable forward; with an optimizer, also one update of A and B. */
    static float step(TrainableLora lora, Optimizer optimizer) {
        lora.setTraining(optimizer != null);
        try (NDManager m = manager.newSubManager()) {
            NDArray ids = ids(ROW, m);
            NDArray w = m.create(weights(), new Shape(1, ROW.length));
            if (optimizer == null)
                return CausalLmLoss.loss(model.logits(ids, lora, m), ids, w).getFloat();
            float loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = CausalLmLoss.loss(model.logits(ids, lora, m), ids, w);
                gc.backward(l);
                loss = l.getFloat();
            }
            for (Map.Entry<String, NDArray> e : lora.parameters().entrySet()) {
                NDArray g = e.getValue().getGradient();
                g.attach(m);
                optimizer.update(e.getKey(), e.getValue(), g);
                g.subi(g); // gradients accumulate in PyTorch: zero them for the next step
            }
            return loss;
        }
    }

    static PeftConfig peft() {
        return new PeftConfig(8, 16, false, EnumSet.allOf(Projection.class), "tiny-llama");
    }

    @Test
    void autogradGradientMatchesFiniteDifferences() {
        try (TrainableLora lora = TrainableLora.init(model.config(), peft(), 3, manager);
                NDManager step = manager.newSubManager()) {
            // given: B made non-zero so that A has a gradient too
            for (NDArray p : lora.parameters().values()) p.addi(0.05f);
            NDArray ids = ids(ROW, step);
            NDArray w = step.create(weights(), new Shape(1, ROW.length));
            String name = "base_model.model.model.layers.1.mlp.down_proj.lora_B.weight";
            NDArray param = lora.parameters().get(name);

            // when: autograd gives the gradient of one element
            float[] grad;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(CausalLmLoss.loss(model.logits(ids, lora, step), ids, w));
                grad = param.getGradient().toFloatArray();
            }
            int at = 0;
            for (int i = 1; i < grad.length; i++) if (Math.abs(grad[i]) > Math.abs(grad[at])) at = i;
            float analytic = grad[at];

            // then: it matches a central finite difference of the loss
            float h = 2e-2f;
            float[] values = param.toFloatArray();
            float base = values[at];
            values[at] = base + h;
            param.set(values);
            float up = CausalLmLoss.loss(model.logits(ids, lora, step), ids, w).getFloat();
            values[at] = base - h;
            param.set(values);
            float down =
                    CausalLmLoss.loss(model.logits(ids, lora, step), ids, w).getFloat();
            float numeric = (up - down) / (2 * h);
            assertTrue(Math.abs(analytic) > 1e-3, "gradient should not vanish: " + analytic);
            assertEquals(numeric, analytic, Math.abs(analytic) * 0.05 + 1e-4, "d loss / d " + name + "[" + at + "]");
            assertFalse(model.blocks().get(1).mlp().down().weight().hasGradient(), "base weights must stay frozen");
        }
    }

    @Test
    void trainingLowersTheLossAndTheAdapterServesAndMergesIdentically() {
        try (TrainableLora lora = TrainableLora.init(model.config(), peft(), 7, manager)) {
            // given: a fresh rank-8 adapter on all projections
            Optimizer adamW = Optimizer.adamW()
                    .optLearningRateTracker(Tracker.fixed(1e-2f))
                    .optWeightDecays(0f)
                    .build();

            // when: training 20 steps (the fixture's small random LM head keeps logits within about ±1.5,
            // so the loss cannot fall far: this checks direction, not memorisation)
            float first = step(lora, null);
            for (int i = 0; i < 20; i++) assertTrue(Float.isFinite(step(lora, adamW)), "finite loss at step " + i);
            float last = step(lora, null);
            assertTrue(last < first - 0.1, "loss " + first + " -> " + last);

            // then: served unmerged through the batched slots, it gives what the trainable forward gives
            AdapterWeights trained = lora.snapshot("trained");
            Generator generator = new Generator(model, null);
            Generation unmerged = generator
                    .generate(
                            List.of(new GenerationRequest(PROMPT, SamplingParams.greedy(8), trained, true)),
                            LoraMode.BATCHED)
                    .get(0);
            lora.setTraining(false);
            try (NDManager s = manager.newSubManager()) {
                NDArray ids = ids(PROMPT, s);
                float[] direct =
                        model.logits(ids, lora, s).get(0, PROMPT.length - 1).toFloatArray();
                assertArrayEquals(direct, unmerged.logitsLast(), 1e-4f);
            }

            // and the PEFT folder round-trips, and merging into the base gives the same logits and tokens
            Path adapterDir = tmp.resolve("adapter");
            AdapterWriter.write(trained, adapterDir);
            AdapterWeights reloaded = AdapterWeights.load("reloaded", adapterDir, model.config());
            Path merged = tmp.resolve("merged");
            LoraMerge.export(Fixtures.tinyLlamaModel(), reloaded, merged);
            try (Transformer mergedModel = Transformer.load(merged, manager)) {
                Generation m = new Generator(mergedModel, null)
                        .generate(
                                List.of(new GenerationRequest(PROMPT, SamplingParams.greedy(8), null, true)),
                                LoraMode.BATCHED)
                        .get(0);
                assertArrayEquals(unmerged.tokenIds(), m.tokenIds());
                assertArrayEquals(unmerged.logitsLast(), m.logitsLast(), 1e-4f);
            }
        }
    }
}
