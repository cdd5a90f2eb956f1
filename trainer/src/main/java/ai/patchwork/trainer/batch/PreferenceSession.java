package ai.patchwork.trainer.batch;

import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.nn.WeightStorage;
import ai.patchwork.trainer.dataset.EncodedExample;
import ai.patchwork.trainer.dataset.TokenizedDataset;
import ai.patchwork.trainer.train.PreferenceStepResult;
import ai.patchwork.trainer.train.PreferenceTrainer;
import ai.patchwork.trainer.train.TrainingCheckpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * DPO's session: the base model, the preference trainer, the tokenized pairs (sequence 2i preferred, 2i+1 not) and
 * the plan, whose batches are of pairs. Progress reports the DPO loss, the implicit rewards of the preferred and
 * non-preferred outputs, their margin and the preference accuracy averaged over the window; validation the same on
 * up to {@value #MAX_EVAL_PAIRS} validation pairs.
 */
final class PreferenceSession extends MethodSession<PreferenceTrainer, EncodedExample> {

    /** At most this many validation pairs are evaluated each time. */
    static final int MAX_EVAL_PAIRS = 256;

    private final TokenizedDataset<EncodedExample> train;
    private final List<PreferenceStepResult> window = new ArrayList<>();
    private long since = System.nanoTime();
    private Map<String, Object> lastProgress;
    private Map<String, Object> lastEval;

    private PreferenceSession(
            Start start,
            PreferenceTrainer trainer,
            TokenizedDataset<EncodedExample> train,
            List<EncodedExample> valid) {
        super(start, trainer, pairLengths(train), valid);
        this.train = train;
    }

    /** The longer of each pair's two sequences, for the batch plan. */
    private static int[] pairLengths(TokenizedDataset<EncodedExample> train) {
        int[] lengths = new int[train.size() / 2];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] =
                    Math.max(train.get(2 * i).length(), train.get(2 * i + 1).length());
        }
        return lengths;
    }

    /**
     * @param initial the adapter to start from and the reference, or null for a fresh one and the base model
     * @param checkpoint the state to resume from, or null to start afresh
     */
    static PreferenceSession open(
            Path modelDir,
            RunPlan plan,
            double beta,
            TokenizedDataset<EncodedExample> train,
            TokenizedDataset<EncodedExample> valid,
            AdapterWeights initial,
            TrainingCheckpoint checkpoint) {
        List<EncodedExample> evaluated = valid == null
                ? List.of()
                : valid.sequences().subList(0, Math.min(2 * MAX_EVAL_PAIRS, valid.size() / 2 * 2));
        return open(modelDir, WeightStorage.FLOAT32, plan, checkpoint, start -> {
            PreferenceTrainer trainer = checkpoint == null
                    ? PreferenceTrainer.start(start.model(), plan.training(), beta, initial)
                    : PreferenceTrainer.resume(start.model(), plan.training(), beta, initial, checkpoint);
            return new PreferenceSession(start, trainer, train, evaluated);
        });
    }

    @Override
    public String startMessage() {
        return "Training " + plan().totalSteps() + " DPO steps of "
                + plan().hyperparameters().batchSize() + " pairs";
    }

    @Override
    Trained trainOn(int[] batch) {
        List<EncodedExample> pairs = new ArrayList<>();
        for (int i : batch) {
            pairs.add(train.get(2 * i));
            pairs.add(train.get(2 * i + 1));
        }
        PreferenceStepResult r = trainer.train(pairs);
        window.add(r);
        return new Trained(new Step(r.step(), r.learningRate(), r.gradNorm()), r.targetTokens());
    }

    @Override
    public Report progress() {
        double seconds = (System.nanoTime() - since) / 1e9;
        double secondsPerStep = seconds / Math.max(1, window.size());
        Map<String, Object> data = figures("train_", mean(window));
        window.clear();
        since = System.nanoTime();
        lastProgress = data;
        return new Report(summary("training", data), data, secondsPerStep);
    }

    @Override
    public Report validate() {
        lastEval = figures("valid_", trainer.evaluate(valid));
        return new Report(summary("validation", lastEval), lastEval, 0);
    }

    @Override
    public Map<String, Object> checkpointMetrics() {
        Map<String, Object> metrics = new LinkedHashMap<>();
        if (lastProgress != null) metrics.putAll(lastProgress);
        if (lastEval != null) metrics.putAll(lastEval);
        return metrics;
    }

    /** OpenAI's {@code train_loss}/{@code valid_loss} and the rewards under TRL's names, prefixed likewise. */
    private static Map<String, Object> figures(String prefix, PreferenceStepResult r) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put(prefix + "loss", r.loss());
        data.put(prefix + "rewards_chosen", r.rewardChosen());
        data.put(prefix + "rewards_rejected", r.rewardRejected());
        data.put(prefix + "rewards_accuracy", r.accuracy());
        data.put(prefix + "rewards_margin", r.margin());
        return data;
    }

    private static String summary(String what, Map<String, Object> data) {
        Object[] v = data.values().toArray();
        return String.format(
                Locale.ROOT,
                "%s loss=%.4f, reward chosen=%.3f, rejected=%.3f, accuracy=%.3f, " + "margin=%.3f",
                what,
                v[0],
                v[1],
                v[2],
                v[3],
                v[4]);
    }

    /** The window's steps averaged, each step weighing the same. */
    private static PreferenceStepResult mean(List<PreferenceStepResult> steps) {
        int n = Math.max(1, steps.size());
        double loss = 0;
        double chosen = 0;
        double rejected = 0;
        double accuracy = 0;
        for (PreferenceStepResult r : steps) {
            loss += r.loss();
            chosen += r.rewardChosen();
            rejected += r.rewardRejected();
            accuracy += r.accuracy();
        }
        return new PreferenceStepResult(0, loss / n, chosen / n, rejected / n, accuracy / n, 0, 0, 0, 0);
    }
}
