package ai.patchwork.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.lora.LoraWeights;
import ai.patchwork.model.lora.PeftConfig;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.tokenizer.Tokenizer;
import ai.patchwork.trainer.dataset.BatchPlan;
import ai.patchwork.trainer.dataset.EncodedExample;
import ai.patchwork.trainer.dataset.ExampleEncoder;
import ai.patchwork.trainer.dataset.JsonlParser;
import ai.patchwork.trainer.fixture.ReverseCodeTask;
import ai.patchwork.trainer.fixture.TaskModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The loop on the generated task model: it learns the held-out task, and a resumed run is the same run. */
class LoraTrainerTest {

    static final ReverseCodeTask TASK = new ReverseCodeTask(42, 50);
    static NDManager manager;
    static Transformer model;
    static Tokenizer tokenizer;
    static List<EncodedExample> examples;

    @BeforeAll
    static void load() throws Exception {
        Path dir = TaskModel.write(TaskModel.spec(), Files.createTempDirectory("task-model"));
        manager = NDManager.newBaseManager();
        model = Transformer.load(dir, manager);
        tokenizer = Tokenizer.load(dir);
        byte[] jsonl = TASK.trainingJsonl(300).getBytes(StandardCharsets.UTF_8);
        examples = new ExampleEncoder(tokenizer, model.config().maxPositions())
                .encodeAll(JsonlParser.parse(new ByteArrayInputStream(jsonl)));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
        model.close();
        manager.close();
    }

    static TrainingConfig config(int totalSteps, double dropout) {
        PeftConfig lora = new PeftConfig(16, 32, false, EnumSet.allOf(Projection.class), "task");
        LrSchedule schedule = new LrSchedule(5e-3, 10, totalSteps, LrSchedule.Shape.COSINE, 0.1);
        return new TrainingConfig(lora, dropout, schedule, 1.0, 0.0, 8, 7);
    }

    static List<EncodedExample> batch(BatchPlan plan, int step) {
        List<EncodedExample> out = new ArrayList<>();
        for (int i : plan.batchOfStep(step)) out.add(examples.get(i));
        return out;
    }

    @Test
    void learnsToReverseHeldOutCodes() {
        // given a fresh adapter, and the base model failing the task
        BatchPlan plan = new BatchPlan(lengths(), 16, 7);
        int steps = 150;
        try (LoraTrainer trainer = LoraTrainer.start(model, config(steps, 0))) {
            double base = ReverseCodeTask.exactMatch(model, tokenizer, null, TASK.heldOutCodes());

            // when training 150 steps of 16 examples (accumulated over micro-batches of 8)
            List<StepResult> results = new ArrayList<>();

            for (int s = 1; s <= steps; s++) results.add(trainer.train(batch(plan, s)));

            // then the loss fell far, and the adapter reverses codes it never saw
            double first = results.getFirst().loss();
            double last = results.subList(steps - 10, steps).stream()
                    .mapToDouble(StepResult::loss)
                    .average()
                    .orElseThrow();
            double accuracy = ReverseCodeTask.exactMatch(model, tokenizer, trainer.adapter("t"), TASK.heldOutCodes());
            assertEquals(0, base, 0.02, "base exact match");
            assertTrue(first / last >= 5, "loss " + first + " -> " + last);
            assertTrue(accuracy >= 0.9, "held-out exact match " + accuracy);
            assertEquals(1.0, trainer.evaluate(examples.subList(0, 32)).accuracy(), 0.05, "train token accuracy");
        }
    }

    @Test
    void resumingFromACheckpointContinuesTheSameRun() throws Exception {
        // given the same plan and config (with dropout, which must be replayed too)
        BatchPlan plan = new BatchPlan(lengths(), 8, 3);
        TrainingConfig config = config(40, 0.1);
        float[][] straight;
        try (LoraTrainer trainer = LoraTrainer.start(model, config)) {
            for (int s = 1; s <= 6; s++) trainer.train(batch(plan, s));
            straight = weights(trainer);
        }

        // when another run stops after 3 updates, checkpoints through bytes, and a new trainer resumes from them
        byte[] bytes;
        try (LoraTrainer first = LoraTrainer.start(model, config)) {
            for (int s = 1; s <= 3; s++) first.train(batch(plan, s));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            first.checkpoint(123).write(out);
            bytes = out.toByteArray();
        }
        TrainingCheckpoint restored = TrainingCheckpoint.read(new ByteArrayInputStream(bytes), model.config());
        float[][] resumed;
        try (LoraTrainer second = LoraTrainer.resume(model, config, restored)) {
            assertEquals(3, second.step());
            for (int s = 4; s <= 6; s++) second.train(batch(plan, s));
            resumed = weights(second);
        }

        // then the weights are those of the uninterrupted run
        assertEquals(3, restored.step());
        assertEquals(123, restored.trainedTokens());
        assertEquals(straight.length, resumed.length);
        for (int i = 0; i < straight.length; i++) assertArrayEquals(straight[i], resumed[i], 1e-6f, "tensor " + i);
    }

    static float[][] weights(LoraTrainer trainer) {
        List<float[]> out = new ArrayList<>();
        List<LoraWeights> modules = new ArrayList<>(trainer.adapter("x").modules());
        modules.sort(
                java.util.Comparator.comparing((LoraWeights w) -> w.layer()).thenComparing(w -> w.projection()));
        for (LoraWeights w : modules) {
            out.add(w.a());
            out.add(w.b());
        }
        return out.toArray(float[][]::new);
    }

    static int[] lengths() {
        return examples.stream().mapToInt(EncodedExample::length).toArray();
    }
}
