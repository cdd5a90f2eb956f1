package ai.patchwork.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.fixture.TinyModels;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.nn.WeightStorage;
import ai.patchwork.model.tokenizer.Tokenizer;
import ai.patchwork.model.vector.Matmul;
import ai.patchwork.model.vector.Quantization;
import ai.patchwork.model.vector.SharedWeights;
import ai.patchwork.model.vector.VectorTransformer;
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
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A trainer that reads its frozen base from the CPU runtime's resident weights ({@link SharedWeights}, the serving
 * copy of {@code ./patchwork up}) trains as one that keeps its own float16 copy ({@link WeightStorage#HALF}): same
 * losses step by step, in both of the runtime's layouts, and it keeps training after the runtime that loaded the
 * weights has closed.
 */
class SharedBaseTrainingTest {

    @ParameterizedTest
    @EnumSource(
            value = Matmul.class,
            names = {"VECTOR", "NATIVE"}) // the row layout, and oneDNN's where the library loads
    void sharedBaseTrainsAsTheHalfBase(Matmul matmul) throws Exception {
        // given the task model rounded to BF16, held by a CPU runtime, and a second copy loaded as float16
        Path f32Dir = TaskModel.write(TaskModel.spec(), Files.createTempDirectory("task-model"));
        Path dir = TinyModels.bf16Copy(f32Dir, Files.createTempDirectory("task-model-bf16"));
        int steps = 10;
        TrainingConfig config = LoraTrainerTest.config(steps, 0);
        List<EncodedExample> examples;
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            byte[] jsonl = new ReverseCodeTask(42, 50).trainingJsonl(64).getBytes(StandardCharsets.UTF_8);
            examples = new ExampleEncoder(tokenizer, ModelConfig.load(dir).maxPositions())
                    .encodeAll(JsonlParser.parse(new ByteArrayInputStream(jsonl)));
        }
        BatchPlan plan =
                new BatchPlan(examples.stream().mapToInt(EncodedExample::length).toArray(), 8, 5);
        assertTrue(SharedWeights.borrow(dir).isEmpty(), "no runtime holds the weights yet");
        try (NDManager manager = NDManager.newBaseManager();
                Transformer half = Transformer.load(dir, WeightStorage.HALF, manager)) {
            Transformer shared;
            try (VectorTransformer runtime = VectorTransformer.load(dir, Quantization.NONE, matmul, null)) {
                Optional<SharedWeights> lent = SharedWeights.borrow(dir);
                assertTrue(lent.isPresent());
                shared = Transformer.load(dir, lent.get(), manager);
            } // the runtime closes: the model's loan keeps the weights
            try (shared) {
                assertTrue(shared.widensWeights());
                assertNull(shared.lmHead(), "no tensor of the matrices");
                assertEquals(half.parameterCount(), shared.parameterCount());

                // when both train 10 steps of 8 examples from the same seed
                double[] lossHalf = HalfWeightsLoraTrainerTest.train(half, config, plan, examples, steps);
                double[] lossShared = HalfWeightsLoraTrainerTest.train(shared, config, plan, examples, steps);

                // then every step's loss is the float16 copy's: the same values (BF16 widens exactly to float16
                // and float32) multiplied in the same order, so any difference is float32 rounding
                for (int s = 0; s < steps; s++) {
                    assertEquals(lossHalf[s], lossShared[s], 1e-5 * lossHalf[s], "loss at step " + (s + 1));
                }
            }
            assertTrue(SharedWeights.borrow(dir).isEmpty(), "the last user freed the weights");
        }
    }
}
