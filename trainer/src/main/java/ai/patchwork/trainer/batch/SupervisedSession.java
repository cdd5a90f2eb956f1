package ai.patchwork.trainer.batch;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.trainer.dataset.BatchPlan;
import ai.patchwork.trainer.dataset.EncodedDataset;
import ai.patchwork.trainer.dataset.EncodedExample;
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
final class SupervisedSession implements TrainingSession {

    /** At most this many validation examples are evaluated each time. */
    static final int MAX_EVAL_EXAMPLES = 512;

    private final RunPlan plan;
    private final NDManager manager;
    private final Transformer model;
    private final LoraTrainer trainer;
    private final EncodedDataset train;
    private final List<EncodedExample> valid;
    private final BatchPlan batches;
    private final Window window = new Window();
    private EvalResult lastEval;
    private long trainedTokens;

    private SupervisedSession(
            RunPlan plan,
            NDManager manager,
            Transformer model,
            LoraTrainer trainer,
            EncodedDataset train,
            EncodedDataset valid,
            long trainedTokens) {
        this.plan = plan;
        this.manager = manager;
        this.model = model;
        this.trainer = trainer;
        this.train = train;
        this.valid = valid == null ? List.of() : valid.examples().subList(0, Math.min(MAX_EVAL_EXAMPLES, valid.size()));
        this.batches = new BatchPlan(
                train.lengths(),
                plan.hyperparameters().batchSize(),
                plan.training().seed());
        this.trainedTokens = trainedTokens;
    }

    /**
     * @param checkpoint the state to resume from, or null to start afresh
     */
    static SupervisedSession open(
            Path modelDir, RunPlan plan, EncodedDataset train, EncodedDataset valid, TrainingCheckpoint checkpoint) {
        NDManager manager = NDManager.newBaseManager();
        try {
            Transformer model = Transformer.load(modelDir, manager);
            LoraTrainer trainer = checkpoint == null
                    ? LoraTrainer.start(model, plan.training())
                    : LoraTrainer.resume(model, plan.training(), checkpoint);
            return new SupervisedSession(
                    plan, manager, model, trainer, train, valid, checkpoint == null ? 0 : checkpoint.trainedTokens());
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    @Override
    public RunPlan plan() {
        return plan;
    }

    @Override
    public int step() {
        return trainer.step();
    }

    @Override
    public long trainedTokens() {
        return trainedTokens;
    }

    @Override
    public boolean hasValidation() {
        return !valid.isEmpty();
    }

    @Override
    public String startMessage() {
        return "Training " + plan.totalSteps() + " steps";
    }

    @Override
    public Step next() {
        List<EncodedExample> batch = new ArrayList<>();
        for (int i : batches.batchOfStep(trainer.step() + 1)) batch.add(train.get(i));
        StepResult r = trainer.train(batch);
        trainedTokens += r.targetTokens();
        window.add(r);
        return new Step(r.step(), r.learningRate(), r.gradNorm());
    }

    @Override
    public Report progress() {
        Window.Stats s = window.drain(trainer.step());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("train_loss", s.loss());
        data.put("train_mean_token_accuracy", s.accuracy());
        data.put("tokens_per_second", s.tokensPerSecond());
        return new Report(
                String.format(
                        Locale.ROOT,
                        "training loss=%.4f, token accuracy=%.3f, %.0f tokens/s",
                        s.loss(),
                        s.accuracy(),
                        s.tokensPerSecond()),
                data,
                s.secondsPerStep());
    }

    @Override
    public Report validate() {
        lastEval = trainer.evaluate(valid);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("valid_loss", lastEval.loss());
        data.put("valid_mean_token_accuracy", lastEval.accuracy());
        return new Report(
                String.format(
                        Locale.ROOT,
                        "validation loss=%.4f, validation token accuracy=%.3f",
                        lastEval.loss(),
                        lastEval.accuracy()),
                data,
                0);
    }

    @Override
    public Map<String, Object> checkpointMetrics() {
        Map<String, Object> metrics = new LinkedHashMap<>();
        Window.Stats last = window.last();
        if (last != null) {
            metrics.put("train_loss", last.loss());
            metrics.put("train_mean_token_accuracy", last.accuracy());
        }
        if (lastEval != null) {
            metrics.put("valid_loss", lastEval.loss());
            metrics.put("valid_mean_token_accuracy", lastEval.accuracy());
        }
        return metrics;
    }

    @Override
    public TrainingCheckpoint checkpoint() {
        return trainer.checkpoint(trainedTokens);
    }

    @Override
    public int epochOf(int step) {
        return batches.epochOfStep(step);
    }

    @Override
    public void close() {
        try (manager;
                model;
                trainer) {
            // closes the trainer, then the model, then their manager
        }
    }
}
