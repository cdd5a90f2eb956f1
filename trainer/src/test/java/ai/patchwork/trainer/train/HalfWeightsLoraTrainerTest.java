package ai.patchwork.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.fixture.TinyModels;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.nn.WeightStorage;
import ai.patchwork.model.tokenizer.Tokenizer;
import ai.patchwork.trainer.dataset.BatchPlan;
import ai.patchwork.trainer.dataset.EncodedExample;
import ai.patchwork.trainer.dataset.ExampleEncoder;
import ai.patchwork.trainer.dataset.JsonlParser;
import ai.patchwork.trainer.fixture.ReverseCodeTask;
import ai.patchwork.trainer.fixture.TaskModel;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Training a BF16 checkpoint with its frozen base kept as float16 ({@link WeightStorage#HALF}, back-propagated block by
 * block) is training the same checkpoint widened to float32: the task model rounded to BF16, trained both ways from
 * the same seed, gives the same losses step by step, and the loss falls.
 */
class HalfWeightsLoraTrainerTest {

    @Test
    void halfBaseTrainsAsTheFloat32Base() throws Exception {
        // given the task model rounded to BF16, loaded as float32 and as float16
        Path f32Dir = TaskModel.write(TaskModel.spec(), Files.createTempDirectory("task-model"));
        Path dir = TinyModels.bf16Copy(f32Dir, Files.createTempDirectory("task-model-bf16"));
        int steps = 30;
        try (NDManager manager = NDManager.newBaseManager();
                Transformer f32 = Transformer.load(dir, WeightStorage.FLOAT32, manager);
                Transformer half = Transformer.load(dir, WeightStorage.HALF, manager);
                Tokenizer tokenizer = Tokenizer.load(dir)) {
            assertTrue(half.hasHalfWeights());
            byte[] jsonl = new ReverseCodeTask(42, 50).trainingJsonl(64).getBytes(StandardCharsets.UTF_8);
            List<EncodedExample> examples = new ExampleEncoder(
                            tokenizer, f32.config().maxPositions())
                    .encodeAll(JsonlParser.parse(new ByteArrayInputStream(jsonl)));
            BatchPlan plan = new BatchPlan(
                    examples.stream().mapToInt(EncodedExample::length).toArray(), 8, 5);
            // without dropout: the two passes draw their masks differently (the masks' replay is BlockwiseBackward's
            // test)
            TrainingConfig config = LoraTrainerTest.config(steps, 0);

            // when both train 30 steps of 8 examples (micro-batches of 8) from the same seed
            double[] lossF32 = train(f32, config, plan, examples, steps);
            double[] lossHalf = train(half, config, plan, examples, steps);

            // then the loss fell (about 8 -> 1.4), and every step's loss is the float32 run's. Bound: both runs
            // multiply
            // the same values in float32 and differ only in the order of some sums (the block-by-block backward adds
            // each block's gradient separately; float16 subnormals differ by under 2^-25), which is float32 rounding,
            // about 1e-7 relative per step; AdamW's normalised updates keep it there over 30 steps (at most 3e-7 seen).
            assertTrue(lossHalf[steps - 1] < lossHalf[0] / 3, "loss " + lossHalf[0] + " -> " + lossHalf[steps - 1]);
            for (int s = 0; s < steps; s++) {
                assertEquals(lossF32[s], lossHalf[s], 1e-5 * lossF32[s], "loss at step " + (s + 1));
            }
        }
    }

    static double[] train(
            Transformer model, TrainingConfig config, BatchPlan plan, List<EncodedExample> examples, int steps) {
        double[] losses = new double[steps];
        try (LoraTrainer trainer = LoraTrainer.start(model, config)) {
            for (int s = 1; s <= steps; s++) {
                List<EncodedExample> batch = new ArrayList<>();
                for (int i : plan.batchOfStep(s)) batch.add(examples.get(i));
                losses[s - 1] = trainer.train(batch).loss();
            }
        }
        return losses;
    }
}
