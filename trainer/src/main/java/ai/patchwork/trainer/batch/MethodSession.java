package ai.patchwork.trainer.batch;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.trainer.dataset.BatchPlan;
import ai.patchwork.trainer.train.StepTrainer;
import ai.patchwork.trainer.train.TrainingCheckpoint;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * What every method's {@link TrainingSession} holds the same way: the base model and the manager that owns it, the
 * method's trainer, the batch plan over the training data, the validation examples and the count of trained tokens.
 * A subclass trains on one batch, evaluates and reports in its method's terms.
 *
 * @param <T> the method's trainer
 * @param <V> a validation example
 */
abstract class MethodSession<T extends StepTrainer, V> implements TrainingSession {

    /** The base model, loaded into a manager of its own. */
    record Base(NDManager manager, Transformer model) {}

    /** One step's figures for the tasklet and the tokens it trained on. */
    record Trained(Step step, long tokens) {}

    private final RunPlan plan;
    private final Base base;
    private final BatchPlan batches;
    final T trainer;
    final List<V> valid;
    private long trainedTokens;

    /**
     * @param lengths the length of each training unit (example, prompt or pair), for the batch plan
     * @param checkpoint the state the trainer resumed from, or null for a fresh run
     */
    MethodSession(Base base, RunPlan plan, T trainer, int[] lengths, List<V> valid, TrainingCheckpoint checkpoint) {
        this.plan = plan;
        this.base = base;
        this.trainer = trainer;
        this.valid = valid;
        this.batches = new BatchPlan(
                lengths, plan.hyperparameters().batchSize(), plan.training().seed());
        this.trainedTokens = checkpoint == null ? 0 : checkpoint.trainedTokens();
    }

    /** Loads the base model into a fresh manager and opens a session on it; the manager is closed if that fails. */
    static <S extends MethodSession<?, ?>> S open(Path modelDir, Function<Base, S> session) {
        NDManager manager = NDManager.newBaseManager();
        try {
            return session.apply(new Base(manager, Transformer.load(modelDir, manager)));
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** At most {@code max} of {@code examples}, or none when there is no validation data. */
    static <V> List<V> firstOf(List<V> examples, int max) {
        return examples == null ? List.of() : examples.subList(0, Math.min(max, examples.size()));
    }

    /** Trains one step on the units of {@code batch} (indices into the training data). */
    abstract Trained trainOn(int[] batch);

    @Override
    public final Step next() {
        Trained t = trainOn(batches.batchOfStep(trainer.step() + 1));
        trainedTokens += t.tokens();
        return t.step();
    }

    @Override
    public final RunPlan plan() {
        return plan;
    }

    @Override
    public final int step() {
        return trainer.step();
    }

    @Override
    public final long trainedTokens() {
        return trainedTokens;
    }

    @Override
    public final boolean hasValidation() {
        return !valid.isEmpty();
    }

    @Override
    public final TrainingCheckpoint checkpoint() {
        return trainer.checkpoint(trainedTokens);
    }

    @Override
    public final int epochOf(int step) {
        return batches.epochOfStep(step);
    }

    /** Closes the trainer, then the model, then their manager. */
    @Override
    public void close() {
        try (NDManager manager = base.manager();
                Transformer model = base.model();
                trainer) {
            // closed in the reverse order of the resources
        }
    }
}
