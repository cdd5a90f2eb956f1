package ai.patchwork.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.PeftConfig;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.tokenizer.Tokenizer;
import ai.patchwork.trainer.dataset.BatchPlan;
import ai.patchwork.trainer.dataset.EncodedExample;
import ai.patchwork.trainer.dataset.ExampleEncoder;
import ai.patchwork.trainer.dataset.JsonlParser;
import ai.patchwork.trainer.dataset.PromptExample;
import ai.patchwork.trainer.dataset.PromptParser;
import ai.patchwork.trainer.fixture.ReverseCodeTask;
import ai.patchwork.trainer.fixture.TaskModel;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * GRPO on the generated task model: an adapter that a short supervised warm-up left mostly wrong learns the task
 * from rewards alone, and a resumed run is the same run.
 */
class GrpoTrainerTest {

    static final ReverseCodeTask TASK = new ReverseCodeTask(42, 50);
    static NDManager manager;
    static Transformer model;
    static Tokenizer tokenizer;
    static List<PromptExample> prompts;
    static AdapterWeights warm;

    /** Exact match of the completion with the item's answer. */
    static final Reward EXACT = (prompt, completion) -> completion
                    .strip()
                    .equals(JsonMapper.shared()
                            .readTree(prompt.item())
                            .path("answer")
                            .asString())
            ? 1
            : 0;

    @BeforeAll
    static void load() throws Exception {
        Path dir = TaskModel.write(TaskModel.spec(), Files.createTempDirectory("task-model"));
        manager = NDManager.newBaseManager();
        model = Transformer.load(dir, manager);
        tokenizer = Tokenizer.load(dir);
        prompts = new PromptParser(tokenizer, 200)
                .parse(new ByteArrayInputStream(
                        ReverseCodeTask.promptJsonl(TASK.trainingCodes().subList(0, 300))
                                .getBytes(StandardCharsets.UTF_8)));
        warm = warmUp(85);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
        model.close();
        manager.close();
    }

    /** A supervised adapter after {@code steps} steps of the supervised loop. */
    static AdapterWeights warmUp(int steps) {
        byte[] jsonl = TASK.trainingJsonl(300).getBytes(StandardCharsets.UTF_8);
        List<EncodedExample> examples = new ExampleEncoder(
                        tokenizer, model.config().maxPositions())
                .encodeAll(JsonlParser.parse(new ByteArrayInputStream(jsonl)));
        int[] lengths = examples.stream().mapToInt(EncodedExample::length).toArray();
        BatchPlan plan = new BatchPlan(lengths, 16, 7);
        try (LoraTrainer trainer = LoraTrainer.start(model, LoraTrainerTest.config(150, 0))) {
            for (int s = 1; s <= steps; s++) {
                List<EncodedExample> batch = new ArrayList<>();
                for (int i : plan.batchOfStep(s)) batch.add(examples.get(i));
                trainer.train(batch);
            }
            return trainer.adapter("warm");
        }
    }

    static GrpoConfig config(int totalSteps, double lr) {
        PeftConfig lora = new PeftConfig(16, 32, false, EnumSet.allOf(Projection.class), "task");
        LrSchedule schedule = new LrSchedule(lr, 0, totalSteps, LrSchedule.Shape.CONSTANT, 1.0);
        TrainingConfig training = new TrainingConfig(lora, 0, schedule, 1.0, 0.0, 64, 7);
        return new GrpoConfig(training, 8, 0.0, 0.2, 8, 1.0, 1);
    }

    @Test
    void rewardsAloneRaiseTheSampledReward() {
        // given an adapter a short supervised warm-up left mostly wrong when sampled, and 16 prompts
        List<PromptExample> batch = prompts.subList(0, 16);
        try (GrpoTrainer trainer = GrpoTrainer.start(model, tokenizer, config(30, 1e-3), warm)) {
            double before = trainer.evaluate(batch, EXACT, 4, 1);

            // when GRPO trains 30 steps on them, 8 samples per prompt
            List<GrpoStepResult> steps = new ArrayList<>();
            for (int s = 1; s <= 30; s++) steps.add(trainer.train(batch, EXACT));

            // then the sampled reward rose, and every step reports its numbers
            double after = trainer.evaluate(batch, EXACT, 4, 1);
            System.out.printf("grpo: sampled reward %.3f -> %.3f; first step %s%n", before, after, steps.getFirst());
            assertTrue(after >= before + 0.2, "reward " + before + " -> " + after);
            for (GrpoStepResult r : steps) {
                assertEquals(16 * 8, Math.round(r.completionTokens() / r.completionLength()));
                assertTrue(r.kl() >= 0 && Double.isFinite(r.gradNorm()), r.toString());
                assertEquals(0, r.clipFraction(), "one update per batch of samples is on-policy: the ratio is 1");
            }
        }
    }

    @Test
    void aResumedRunIsTheSameRun() {
        // given a run of 3 steps, with μ = 2 updates per step so that the ratio leaves 1 and clips
        GrpoConfig c = new GrpoConfig(config(3, 1e-3).training(), 4, 0.05, 0.2, 8, 1.0, 2);
        List<PromptExample> batch = prompts.subList(0, 4);
        AdapterWeights straight;
        double clipped = 0;
        try (GrpoTrainer t = GrpoTrainer.start(model, tokenizer, c, warm)) {
            for (int s = 0; s < 3; s++) clipped += t.train(batch, EXACT).clipFraction();
            straight = t.checkpoint(0).adapter();
        }

        // when another run stops after 2 steps and a new trainer resumes from its checkpoint
        TrainingCheckpoint ckpt;
        try (GrpoTrainer t = GrpoTrainer.start(model, tokenizer, c, warm)) {
            t.train(batch, EXACT);
            t.train(batch, EXACT);
            ckpt = t.checkpoint(0);
        }
        AdapterWeights resumed;
        try (GrpoTrainer t = GrpoTrainer.resume(model, tokenizer, c, ckpt)) {
            assertEquals(2, t.step());
            t.train(batch, EXACT);
            resumed = t.checkpoint(0).adapter();
        }

        // then both end with the same weights
        for (int i = 0; i < straight.modules().size(); i++) {
            assertArrayEquals(
                    straight.modules().get(i).b(), resumed.modules().get(i).b(), 1e-6f);
            assertArrayEquals(
                    straight.modules().get(i).a(), resumed.modules().get(i).a(), 1e-6f);
        }
        assertTrue(clipped > 0, "a second update on the same samples moves the ratio off 1, and some tokens clip");
    }
}
