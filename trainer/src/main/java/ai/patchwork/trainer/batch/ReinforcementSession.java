package ai.patchwork.trainer.batch;

import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.nn.WeightStorage;
import ai.patchwork.model.tokenizer.Tokenizer;
import ai.patchwork.trainer.dataset.PromptExample;
import ai.patchwork.trainer.dataset.TokenizedDataset;
import ai.patchwork.trainer.grader.Grader;
import ai.patchwork.trainer.train.GrpoStepResult;
import ai.patchwork.trainer.train.GrpoTrainer;
import ai.patchwork.trainer.train.Reward;
import ai.patchwork.trainer.train.TrainingCheckpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reinforcement fine-tuning's session (GRPO): the base model, its tokenizer, the GRPO trainer, the prompts, the
 * grader and the plan. Fresh runs start from a new adapter or an initial one. Before the first step of a fresh run
 * the policy is evaluated on the validation prompts (the start of the reward curve); progress reports the mean and
 * std of the reward, the KL to the base model, the completion length and the clip fraction averaged over the window;
 * validation the mean reward on up to {@value #MAX_EVAL_PROMPTS} validation prompts.
 */
final class ReinforcementSession extends MethodSession<GrpoTrainer, PromptExample> {

    /** At most this many validation prompts are evaluated each time. */
    static final int MAX_EVAL_PROMPTS = 256;

    private final String startMessage;
    private final Tokenizer tokenizer;
    private final TokenizedDataset<PromptExample> train;
    private final Reward reward;
    private final RewardWindow window = new RewardWindow();
    private Double lastEval;

    private ReinforcementSession(
            Start start,
            String startMessage,
            Tokenizer tokenizer,
            GrpoTrainer trainer,
            TokenizedDataset<PromptExample> train,
            List<PromptExample> valid,
            Grader grader) {
        super(start, trainer, train.lengths(), valid);
        this.startMessage = startMessage;
        this.tokenizer = tokenizer;
        this.train = train;
        this.reward = (prompt, text) ->
                grader.grade(JsonMapper.shared().readTree(prompt.item()), text).reward();
    }

    /**
     * @param initialId the registry id of {@code initial}, or null
     * @param initial the adapter to start from when there is no checkpoint, or null for a fresh one
     * @param checkpoint the state to resume from, or null to start afresh
     */
    static ReinforcementSession open(
            Path modelDir,
            RunPlan plan,
            TokenizedDataset<PromptExample> train,
            TokenizedDataset<PromptExample> valid,
            Grader grader,
            String initialId,
            AdapterWeights initial,
            TrainingCheckpoint checkpoint) {
        String startMessage = "Training " + plan.totalSteps() + " GRPO steps of "
                + plan.hyperparameters().batchSize()
                + " prompts × " + plan.reinforcement().samplesPerPrompt() + " samples, starting from "
                + (initialId == null ? "a fresh adapter" : "adapter " + initialId);
        List<PromptExample> evaluated = firstOf(valid == null ? null : valid.sequences(), MAX_EVAL_PROMPTS);
        return open(modelDir, WeightStorage.FLOAT32, plan, checkpoint, start -> {
            Tokenizer tokenizer = Tokenizer.load(modelDir);
            try {
                GrpoTrainer trainer = checkpoint == null
                        ? GrpoTrainer.start(start.model(), tokenizer, plan.grpo(), initial)
                        : GrpoTrainer.resume(start.model(), tokenizer, plan.grpo(), checkpoint);
                return new ReinforcementSession(start, startMessage, tokenizer, trainer, train, evaluated, grader);
            } catch (RuntimeException e) {
                tokenizer.close();
                throw e;
            }
        });
    }

    @Override
    public boolean validatesAtStart() {
        return true;
    }

    @Override
    public String startMessage() {
        return startMessage;
    }

    /** Samples, grades and updates on the step's prompts. */
    @Override
    Trained trainOn(int[] batch) {
        List<PromptExample> prompts = new ArrayList<>();
        for (int i : batch) prompts.add(train.get(i));
        GrpoStepResult r = trainer.train(prompts, reward);
        window.add(r);
        return new Trained(new Step(r.step(), r.learningRate(), r.gradNorm()), r.completionTokens());
    }

    @Override
    public Report progress() {
        Map<String, Object> w = window.drain();
        double secondsPerStep = (double) w.get("seconds_per_step");
        return new Report(
                String.format(
                        Locale.ROOT,
                        "reward=%.3f±%.3f, KL=%.4f, completion length=%.1f, " + "clip fraction=%.3f",
                        (double) w.get("reward_mean"),
                        (double) w.get("reward_std"),
                        (double) w.get("kl"),
                        (double) w.get("completion_length"),
                        (double) w.get("clip_fraction")),
                w,
                secondsPerStep);
    }

    /** Mean reward on the validation prompts, {@code eval_samples} samples each, the same seeds every time. */
    @Override
    public Report validate() {
        lastEval = trainer.evaluate(
                valid,
                reward,
                plan().reinforcement().evalSamples(),
                plan().training().seed() + 17);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("eval_reward_mean", lastEval);
        return new Report(
                String.format(
                        Locale.ROOT,
                        "validation reward=%.3f (%d samples per prompt)",
                        lastEval,
                        plan().reinforcement().evalSamples()),
                data,
                0);
    }

    @Override
    public Map<String, Object> checkpointMetrics() {
        Map<String, Object> metrics = new LinkedHashMap<>();
        if (window.last() != null) metrics.putAll(window.last());
        if (lastEval != null) metrics.put("eval_reward_mean", lastEval);
        return metrics;
    }

    /** Closes the trainer, the model and its manager, then the tokenizer. */
    @Override
    public void close() {
        try (tokenizer) {
            super.close();
        }
    }
}
