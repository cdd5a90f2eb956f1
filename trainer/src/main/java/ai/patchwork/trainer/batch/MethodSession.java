package ai.patchwork.trainer.batch;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.nn.WeightStorage;
import ai.patchwork.model.vector.SharedWeights;
import ai.patchwork.trainer.dataset.BatchPlan;
import ai.patchwork.trainer.train.StepTrainer;
import ai.patchwork.trainer.train.TrainingCheckpoint;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every method's {@link TrainingSession} holds the same way: the base model and the manager that owns it, the
 * method's trainer, the batch plan over the training data, the validation examples and the count of trained tokens.
 * A subclass trains on one batch, evaluates and reports in its method's terms.
 *
 * @param <T> the method's trainer
 * @param <V> a validation example
 */
abstract class MethodSession<T extends StepTrainer, V> implements TrainingSession {

    private static final Logger LOG = LoggerFactory.getLogger(MethodSession.class);

    /**
     * What a session starts from: the base model loaded into a manager of its own, the run's plan and the checkpoint
     * to resume from (null for a fresh run).
     */
    record Start(NDManager manager, Transformer model, RunPlan plan, TrainingCheckpoint checkpoint) {}

    /** One step's figures for the tasklet and the tokens it trained on. */
    record Trained(Step step, long tokens) {}

    private final Start start;
    private final BatchPlan batches;
    final T trainer;
    final List<V> valid;
    private long trainedTokens;

    /**
     * @param lengths the length of each training unit (example, prompt or pair), for the batch plan
     * @param valid the validation units evaluated each time
     */
    MethodSession(Start start, T trainer, int[] lengths, List<V> valid) {
        this.start = start;
        this.trainer = trainer;
        this.valid = valid;
        RunPlan plan = start.plan();
        this.batches = new BatchPlan(
                lengths, plan.hyperparameters().batchSize(), plan.training().seed());
        this.trainedTokens = start.checkpoint() == null ? 0 : start.checkpoint().trainedTokens();
    }

    /**
     * Loads the base model into a fresh manager and opens a session on it; the manager is closed if that fails.
     *
     * @param storage how the frozen base is held: {@link WeightStorage#HALF} where the method's trainer back-propagates
     *     block by block, else float32
     */
    static <S extends MethodSession<?, ?>> S open(
            Path modelDir,
            WeightStorage storage,
            RunPlan plan,
            TrainingCheckpoint checkpoint,
            Function<Start, S> session) {
        NDManager manager = NDManager.newBaseManager();
        try {
            return session.apply(new Start(manager, base(modelDir, storage, manager), plan, checkpoint));
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * The base model: a trainer that widens its frozen matrices for each use ({@link WeightStorage#HALF}) reads them
     * from the CPU runtime's resident copy when this process holds one (the serving role of {@code ./patchwork up} on
     * the same model), so the process keeps one copy of the base; otherwise it loads its own as {@code storage} says.
     */
    static Transformer base(Path modelDir, WeightStorage storage, NDManager manager) {
        if (storage == WeightStorage.HALF) {
            Optional<SharedWeights> lent = SharedWeights.borrow(modelDir);
            if (lent.isPresent()) {
                LOG.info(
                        "training on the serving runtime's resident copy of {} ({} MB)",
                        modelDir,
                        lent.get().bytes() >> 20);
                return Transformer.load(modelDir, lent.get(), manager);
            }
        }
        return Transformer.load(modelDir, storage, manager);
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
        return start.plan();
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
        try (NDManager manager = start.manager();
                Transformer model = start.model();
                trainer) {
            // closed in the reverse order of the resources
        }
    }
}
