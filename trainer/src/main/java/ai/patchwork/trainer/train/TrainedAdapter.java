package ai.patchwork.trainer.train;

import ai.djl.engine.Engine;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.TrainableLora;
import ai.patchwork.model.nn.Transformer;

/**
 * The state every trainer updates and checkpoints: the adapter being trained, its graph-safe ops with the run's
 * dropout, AdamW's moments and the number of steps done. A run resumes exactly from a {@link TrainingCheckpoint} of
 * it: the learning rate, the data plan and the dropout masks are functions of the step.
 */
final class TrainedAdapter implements AutoCloseable {

    private final TrainingConfig config;
    private final TrainableLora lora;
    private final GraphSafeLoraOps ops;
    private final AdamW optimizer;
    private int step;

    private TrainedAdapter(Transformer model, TrainableLora lora, TrainingConfig config) {
        this.config = config;
        this.lora = lora;
        this.optimizer = new AdamW(model.manager(), (float) config.weightDecay());
        this.ops = new GraphSafeLoraOps(model.config(), lora, model.manager());
        ops.setDropout((float) config.dropout());
    }

    /**
     * @param initial the adapter to start from, or null for a fresh one (A Kaiming-uniform from the seed, B zero:
     *     training starts at the base model)
     */
    static TrainedAdapter start(Transformer model, TrainingConfig config, AdapterWeights initial) {
        TrainableLora lora = initial != null
                ? TrainableLora.from(model.config(), initial, model.manager())
                : TrainableLora.init(model.config(), config.lora(), config.seed(), model.manager());
        return new TrainedAdapter(model, lora, config);
    }

    /**
     * Continues exactly where {@code checkpoint} was taken.
     *
     * @param updatesPerStep optimizer updates per step (GRPO's iterations, else 1), which AdamW's bias correction
     *     counts
     */
    static TrainedAdapter resume(
            Transformer model, TrainingConfig config, TrainingCheckpoint checkpoint, int updatesPerStep) {
        TrainedAdapter a = new TrainedAdapter(
                model, TrainableLora.from(model.config(), checkpoint.adapter(), model.manager()), config);
        a.optimizer.restore(a.lora.parameters(), checkpoint.moments(), (long) checkpoint.step() * updatesPerStep);
        a.step = checkpoint.step();
        return a;
    }

    TrainableLora lora() {
        return lora;
    }

    GraphSafeLoraOps ops() {
        return ops;
    }

    AdamW optimizer() {
        return optimizer;
    }

    /** Steps done so far. */
    int step() {
        return step;
    }

    /** Records that step {@code next} is done. */
    void stepped(int next) {
        step = next;
    }

    /**
     * Reseeds PyTorch's generator from (seed, {@code next}) before the step's dropout masks are drawn, so that a
     * resumed run draws the same masks; nothing when the run has no dropout.
     */
    void seedDropout(int next) {
        if (config.dropout() > 0) Engine.getInstance().setRandomSeed((int) (config.seed() * 1_000_003L + next));
    }

    /** The adapter and optimizer state after the last step. */
    TrainingCheckpoint checkpoint(long trainedTokens) {
        return new TrainingCheckpoint(step, trainedTokens, lora.snapshot("step-" + step), optimizer.moments());
    }

    /** The adapter as it is now, in host memory. */
    AdapterWeights snapshot(String id) {
        return lora.snapshot(id);
    }

    @Override
    public void close() {
        ops.close();
        optimizer.close();
        lora.close();
    }
}
