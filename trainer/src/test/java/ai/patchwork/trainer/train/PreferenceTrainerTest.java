package ai.patchwork.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.generate.Generation;
import ai.patchwork.model.generate.GenerationRequest;
import ai.patchwork.model.generate.Generator;
import ai.patchwork.model.generate.LoraMode;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.PeftConfig;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.sample.SamplingParams;
import ai.patchwork.model.tokenizer.ChatMessage;
import ai.patchwork.model.tokenizer.Tokenizer;
import ai.patchwork.trainer.dataset.BatchPlan;
import ai.patchwork.trainer.dataset.EncodedExample;
import ai.patchwork.trainer.dataset.ExampleEncoder;
import ai.patchwork.trainer.dataset.JsonlParser;
import ai.patchwork.trainer.dataset.PreferenceParser;
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

/**
 * DPO on the generated task model: a preference the starting policy does not have (a curt answer over the polite
 * one it always gives) is learnt, and it carries over to prompts the training pairs never contained.
 */
class PreferenceTrainerTest {

    static final ReverseCodeTask TASK = new ReverseCodeTask(42, 50);
    static NDManager manager;
    static Transformer model;
    static Tokenizer tokenizer;
    static List<EncodedExample> train;

    @BeforeAll
    static void load() throws Exception {
        Path dir = TaskModel.write(TaskModel.spec(), Files.createTempDirectory("task-model"));
        manager = NDManager.newBaseManager();
        model = Transformer.load(dir, manager);
        tokenizer = Tokenizer.load(dir);
        train = encode(ReverseCodeTask.preferenceJsonl(TASK.trainingCodes().subList(0, 16)));
    }

    static List<EncodedExample> encode(String jsonl) {
        return new PreferenceParser(new ExampleEncoder(tokenizer, model.config().maxPositions()))
                .parse(new ByteArrayInputStream(jsonl.getBytes(StandardCharsets.UTF_8)));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
        model.close();
        manager.close();
    }

    static TrainingConfig config(int totalSteps) {
        return config(totalSteps, 5e-3);
    }

    static TrainingConfig config(int totalSteps, double lr) {
        PeftConfig lora = new PeftConfig(16, 32, false, EnumSet.allOf(Projection.class), "task");
        LrSchedule schedule =
                new LrSchedule(lr, Math.min(10, totalSteps / 5), totalSteps, LrSchedule.Shape.COSINE, 0.1);
        return new TrainingConfig(lora, 0, schedule, 1.0, 0.0, 8, 7);
    }

    /** Fraction of pairs whose preferred output the policy finds more likely than the other. */
    static double preferenceAccuracy(PreferenceTrainer trainer, List<EncodedExample> pairs) {
        double[] logp = trainer.logProbs(pairs);
        int hits = 0;
        for (int i = 0; i < logp.length; i += 2) if (logp[i] > logp[i + 1]) hits++;
        return hits / (logp.length / 2.0);
    }

    static final String POLITE = "Certainly, here it is.";
    static final String CURT = "Do it yourself, then.";

    /** Preference pairs: for each code's prompt, the curt answer preferred over the polite one. */
    static String curtJsonl(List<String> codes) {
        StringBuilder sb = new StringBuilder();
        for (String code : codes) {
            sb.append("{\"input\": {\"messages\": [{\"role\": \"system\", \"content\": \"")
                    .append(ReverseCodeTask.SYSTEM)
                    .append("\"}, {\"role\": \"user\", \"content\": \"")
                    .append(ReverseCodeTask.prompt(code))
                    .append("\"}]}, \"preferred_output\": [{\"role\": \"assistant\", ")
                    .append("\"content\": \"")
                    .append(CURT)
                    .append("\"}], \"non_preferred_output\": [{\"role\": ")
                    .append("\"assistant\", \"content\": \"")
                    .append(POLITE)
                    .append("\"}]}\n");
        }
        return sb.toString();
    }

    /**
     * A supervised adapter trained on prompts answered politely or curtly (every other code); on this model it settles
     * on the polite answer for every new prompt.
     */
    static AdapterWeights undecided() {
        StringBuilder sb = new StringBuilder();
        List<String> codes = TASK.trainingCodes().subList(0, 200);
        for (int i = 0; i < codes.size(); i++) {
            String code = codes.get(i);
            sb.append(ReverseCodeTask.jsonl(List.of(code))
                    .replace(ReverseCodeTask.answer(code) + "\"}]}", (i % 2 == 0 ? POLITE : CURT) + "\"}]}"));
        }
        List<EncodedExample> examples = new ExampleEncoder(
                        tokenizer, model.config().maxPositions())
                .encodeAll(
                        JsonlParser.parse(new ByteArrayInputStream(sb.toString().getBytes(StandardCharsets.UTF_8))));
        int steps = Integer.getInteger("sft.steps", 60);
        BatchPlan plan =
                new BatchPlan(examples.stream().mapToInt(EncodedExample::length).toArray(), 16, 5);
        try (LoraTrainer sft = LoraTrainer.start(model, config(steps))) {
            for (int s = 1; s <= steps; s++) {
                List<EncodedExample> batch = new ArrayList<>();
                for (int i : plan.batchOfStep(s)) batch.add(examples.get(i));
                sft.train(batch);
            }
            return sft.adapter("undecided");
        }
    }

    /** Fraction of the codes' prompts whose greedy answer with {@code adapter} is exactly {@code expected}. */
    static double greedyEquals(AdapterWeights adapter, List<String> codes, String expected) {
        List<GenerationRequest> requests = new ArrayList<>();
        for (String code : codes) {
            int[] prompt = tokenizer.encode(tokenizer.chatTemplate().render(ReverseCodeTask.conversation(code), true));
            requests.add(new GenerationRequest(
                    prompt, SamplingParams.greedy(32).withStopIds(tokenizer.eosIds()), adapter, false));
        }
        List<Generation> out = new Generator(model, tokenizer).generate(requests, LoraMode.BATCHED);
        return out.stream()
                        .filter(g -> tokenizer.decode(g.tokenIds(), true).trim().equals(expected))
                        .count()
                / (double) codes.size();
    }

    @Test
    void theFirstStepOfAFreshAdapterHasLossLn2() {
        try (PreferenceTrainer trainer = PreferenceTrainer.start(model, config(10), 0.1, null)) {
            PreferenceStepResult first = trainer.train(train.subList(0, 8));
            assertEquals(Math.log(2), first.loss(), 1e-3);
            assertEquals(0, first.rewardChosen(), 1e-6);
            assertEquals(1, trainer.step());
        }
    }

    @Test
    void learnsAPreferenceTheStartingPolicyDoesNotHave() {
        // given a supervised adapter that answers politely, as the start and the reference
        AdapterWeights start = undecided();
        List<EncodedExample> pairs = encode(curtJsonl(TASK.trainingCodes().subList(0, 200)));
        List<EncodedExample> heldOutPairs = encode(curtJsonl(TASK.heldOutCodes()));
        int steps = Integer.getInteger("dpo.steps", 40);
        int[] lengths = new int[pairs.size() / 2];
        for (int i = 0; i < lengths.length; i++) lengths[i] = pairs.get(2 * i).length();
        BatchPlan plan = new BatchPlan(lengths, 16, 7);
        double lr = Double.parseDouble(System.getProperty("dpo.lr", "2e-4"));
        try (PreferenceTrainer trainer = PreferenceTrainer.start(model, config(steps, lr), 0.1, start)) {
            double baseAccuracy = preferenceAccuracy(trainer, heldOutPairs);
            double baseMatch = greedyEquals(start, TASK.heldOutCodes(), CURT);

            // when DPO trains 40 steps on pairs preferring the curt answer
            List<PreferenceStepResult> results = new ArrayList<>();
            for (int s = 1; s <= steps; s++) {
                List<EncodedExample> batch = new ArrayList<>();
                for (int i : plan.batchOfStep(s)) {
                    batch.add(pairs.get(2 * i));
                    batch.add(pairs.get(2 * i + 1));
                }
                results.add(trainer.train(batch));
            }

            // then the first loss is ln 2 (policy = reference), and on held-out prompts the policy prefers the curt
            // answer
            // and gives it
            double accuracy = preferenceAccuracy(trainer, heldOutPairs);
            double match = greedyEquals(trainer.adapter("dpo"), TASK.heldOutCodes(), CURT);
            PreferenceStepResult last = results.getLast();
            System.out.printf(
                    "DPO: held-out preference accuracy %.3f -> %.3f, greedy = preferred %.3f -> %.3f, "
                            + "first loss %.6f, last loss %.4f, margin %.3f%n",
                    baseAccuracy, accuracy, baseMatch, match, results.getFirst().loss(), last.loss(), last.margin());
            assertEquals(Math.log(2), results.getFirst().loss(), 1e-3, "first-step loss");
            assertTrue(baseAccuracy <= 0.6, "starting preference accuracy " + baseAccuracy);
            assertTrue(accuracy >= 0.95, "held-out preference accuracy " + accuracy);
            assertTrue(match >= 0.9, "held-out greedy output = preferred " + match);
            assertTrue(last.margin() > 0 && last.accuracy() >= 0.9, "training rewards " + last);
        }
    }

    /** Fraction of the codes whose greedy answer to {@link ReverseCodeTask#firstLetterPrompt} is the first letter. */
    static double firstLetterMatch(AdapterWeights adapter, List<String> codes) {
        List<GenerationRequest> requests = new ArrayList<>();
        for (String code : codes) {
            int[] prompt = tokenizer.encode(tokenizer
                    .chatTemplate()
                    .render(List.of(ChatMessage.user(ReverseCodeTask.firstLetterPrompt(code))), true));
            requests.add(new GenerationRequest(
                    prompt, SamplingParams.greedy(8).withStopIds(tokenizer.eosIds()), adapter, false));
        }
        List<Generation> out = new Generator(model, tokenizer).generate(requests, LoraMode.BATCHED);
        int hits = 0;
        for (int i = 0; i < codes.size(); i++) {
            String answer = tokenizer.decode(out.get(i).tokenIds(), true).trim();
            if (answer.equals(codes.get(i).substring(0, 1))) hits++;
        }
        return hits / (double) codes.size();
    }

    @Test
    void learnsFromRandomWeightsAPreferenceTheBaseModelIsIndifferentTo() {
        // given a fresh adapter on the random model (the reference is the bare base model), and pairs preferring a
        // code's first letter over another letter of the same alphabet, which the base model prefers half the time
        List<EncodedExample> pairs = encode(
                ReverseCodeTask.firstLetterPreferenceJsonl(TASK.trainingCodes().subList(0, 400)));
        List<EncodedExample> heldOutPairs = encode(ReverseCodeTask.firstLetterPreferenceJsonl(TASK.heldOutCodes()));
        int steps = Integer.getInteger("dpo.letter.steps", 100);
        double lr = Double.parseDouble(System.getProperty("dpo.letter.lr", "2e-3"));
        int[] lengths = new int[pairs.size() / 2];
        for (int i = 0; i < lengths.length; i++) lengths[i] = pairs.get(2 * i).length();
        BatchPlan plan = new BatchPlan(lengths, 16, 11);
        try (PreferenceTrainer trainer = PreferenceTrainer.start(model, config(steps, lr), 0.1, null)) {
            double baseAccuracy = preferenceAccuracy(trainer, heldOutPairs);
            double baseMatch = firstLetterMatch(null, TASK.heldOutCodes());

            // when DPO trains on batches of 16 pairs
            List<PreferenceStepResult> results = new ArrayList<>();
            for (int s = 1; s <= steps; s++) {
                List<EncodedExample> batch = new ArrayList<>();
                for (int i : plan.batchOfStep(s)) {
                    batch.add(pairs.get(2 * i));
                    batch.add(pairs.get(2 * i + 1));
                }
                results.add(trainer.train(batch));
            }

            // then the first loss is ln 2, and on held-out codes the policy prefers the first letter and answers it
            double accuracy = preferenceAccuracy(trainer, heldOutPairs);
            double match = firstLetterMatch(trainer.adapter("dpo"), TASK.heldOutCodes());
            System.out.printf(
                    "DPO from random weights: held-out preference accuracy %.3f -> %.3f, greedy = preferred "
                            + "%.3f -> %.3f, first loss %.6f, last loss %.4f, margin %.3f (%d steps, lr %.1e)%n",
                    baseAccuracy,
                    accuracy,
                    baseMatch,
                    match,
                    results.getFirst().loss(),
                    results.getLast().loss(),
                    results.getLast().margin(),
                    steps,
                    lr);
            assertEquals(Math.log(2), results.getFirst().loss(), 1e-3, "first-step loss");
            assertTrue(baseAccuracy >= 0.35 && baseAccuracy <= 0.65, "starting preference accuracy " + baseAccuracy);
            assertTrue(accuracy >= 0.95, "held-out preference accuracy " + accuracy);
            assertTrue(match >= 0.9, "held-out greedy output = preferred " + match);
        }
    }
}
