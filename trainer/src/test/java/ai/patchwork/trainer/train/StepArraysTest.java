package ai.patchwork.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.BaseNDManager;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A training step leaves no tensor behind: after the first update (which creates AdamW's moments) the model's manager,
 * which owns the base, the adapter and the optimizer, holds the same arrays step after step, with the whole-graph
 * backward (float32 base) and the block-by-block one (float16 base). An array left in a long-lived manager is native
 * memory the process keeps until the job ends: a parameter's size for each of AdamW's intermediates, every step.
 */
class StepArraysTest {

    @ParameterizedTest
    @EnumSource(WeightStorage.class)
    void stepsLeaveNoArraysInTheModelsManager(WeightStorage storage) throws Exception {
        // given the task model rounded to BF16 and a trainer with dropout and weight decay (every op of the step)
        Path f32Dir = TaskModel.write(TaskModel.spec(), Files.createTempDirectory("task-model"));
        Path dir = TinyModels.bf16Copy(f32Dir, Files.createTempDirectory("task-model-bf16"));
        try (NDManager manager = NDManager.newBaseManager();
                Transformer model = Transformer.load(dir, storage, manager);
                Tokenizer tokenizer = Tokenizer.load(dir)) {
            byte[] jsonl = new ReverseCodeTask(42, 20).trainingJsonl(16).getBytes(StandardCharsets.UTF_8);
            List<EncodedExample> examples = new ExampleEncoder(
                            tokenizer, model.config().maxPositions())
                    .encodeAll(JsonlParser.parse(new ByteArrayInputStream(jsonl)));
            BatchPlan plan = new BatchPlan(
                    examples.stream().mapToInt(EncodedExample::length).toArray(), 4, 3);
            TrainingConfig base = LoraTrainerTest.config(12, 0.1);
            TrainingConfig config = new TrainingConfig(
                    base.lora(), base.dropout(), base.schedule(), base.maxGradNorm(), 0.01, 2, base.seed());
            try (LoraTrainer trainer = LoraTrainer.start(model, config)) {
                trainer.train(batch(plan, examples, 1));
                int afterFirst = arrays(model);

                // when it trains five more steps, and evaluates
                for (int s = 2; s <= 6; s++) trainer.train(batch(plan, examples, s));
                trainer.evaluate(batch(plan, examples, 1));

                // then the model's manager holds what it held after the first step
                assertEquals(afterFirst, arrays(model), "arrays of the model's manager and its sub-managers");
            }
        }
    }

    private static int arrays(Transformer model) {
        return ((BaseNDManager) model.manager()).getManagedArrays().size();
    }

    private static List<EncodedExample> batch(BatchPlan plan, List<EncodedExample> examples, int step) {
        List<EncodedExample> out = new ArrayList<>();
        for (int i : plan.batchOfStep(step)) out.add(examples.get(i));
        return out;
    }
}
