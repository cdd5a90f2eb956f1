package ai.patchwork.trainer.batch;

import ai.patchwork.model.nn.WeightStorage;
import ai.patchwork.trainer.dataset.EncodedExample;
import ai.patchwork.trainer.dataset.TokenizedDataset;
import ai.patchwork.trainer.train.EvalResult;
import ai.patchwork.trainer.train.LoraTrainer;
import ai.patchwork.trainer.train.StepResult;
import ai.patchwork.trainer.train.TrainingCheckpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Supervised fine-tuning's session: the base model, the LoRA trainer, the tokenized examples and the plan. Progress
 * reports the loss and token accuracy over the window (weighted by target tokens) and the throughput; validation the
 * loss and token accuracy on up to {@value #MAX_EVAL_EXAMPLES} validation examples.
 */
final class SupervisedSession extends MethodSession<LoraTrainer, EncodedExample> {

    /** At most this many validation examples are evaluated each time. */
    static final int MAX_EVAL_EXAMPLES = 512;

    private final TokenizedDataset<EncodedExample> train;
    private final Window window = new Window();
    private EvalResult lastEval;

    private SupervisedSession(
            Start start, LoraTrainer trainer, TokenizedDataset<EncodedExample> train, List<EncodedExample> valid) {
        super(start, trainer, train.lengths(), valid);
        this.train = train;
    }

    /**
     * @param checkpoint the state to resume from, or null to start afresh
     */
    static SupervisedSession open(
            Path modelDir,
            RunPlan plan,
            TokenizedDataset<EncodedExample> train,
            TokenizedDataset<EncodedExample> valid,
            TrainingCheckpoint checkpoint) {
        List<EncodedExample> evaluated = firstOf(valid == null ? null : valid.sequences(), MAX_EVAL_EXAMPLES);
        return open(modelDir, WeightStorage.HALF, plan, checkpoint, start -> {
            LoraTrainer trainer = checkpoint == null
                    ? LoraTrainer.start(start.model(), plan.training())
                    : LoraTrainer.resume(start.model(), plan.training(), checkpoint);
            return new SupervisedSession(start, trainer, train, evaluated);
        });
    }

    @Override
    public String startMessage() {
        return "Training " + plan().totalSteps() + " steps";
    }

    @Override
    Trained trainOn(int[] batch) {
        List<EncodedExample> examples = new ArrayList<>();
        for (int i : batch) examples.add(train.get(i));
        StepResult r = trainer.train(examples);
        window.add(r);
        return new Trained(new Step(r.step(), r.learningRate(), r.gradNorm()), r.targetTokens());
    }

    @Override
    public Report progress() {
        Window.Stats s = window.drain(trainer.step());
        Map<String, Object> data = figures("train_", s.loss(), s.accuracy());
        data.put("tokens_per_second", s.tokensPerSecond());
        String summary = String.format(
                Locale.ROOT,
                "training loss=%.4f, token accuracy=%.3f, %.0f tokens/s",
                s.loss(),
                s.accuracy(),
                s.tokensPerSecond());
        return new Report(summary, data, s.secondsPerStep());
    }

    @Override
    public Report validate() {
        lastEval = trainer.evaluate(valid);
        String summary = String.format(
                Locale.ROOT,
                "validation loss=%.4f, validation token accuracy=%.3f",
                lastEval.loss(),
                lastEval.accuracy());
        return new Report(summary, figures("valid_", lastEval.loss(), lastEval.accuracy()), 0);
    }

    @Override
    public Map<String, Object> checkpointMetrics() {
        Map<String, Object> metrics = new LinkedHashMap<>();
        Window.Stats last = window.last();
        if (last != null) metrics.putAll(figures("train_", last.loss(), last.accuracy()));
        if (lastEval != null) metrics.putAll(figures("valid_", lastEval.loss(), lastEval.accuracy()));
        return metrics;
    }

    /** OpenAI's metric names: {@code train_loss} and {@code train_mean_token_accuracy}, or their {@code valid_} twins. */
    private static Map<String, Object> figures(String prefix, double loss, double accuracy) {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put(prefix + "loss", loss);
        figures.put(prefix + "mean_token_accuracy", accuracy);
        return figures;
    }
}
