package ai.patchwork.trainer.train;

/**
 * What every fine-tuning method's trainer shares, whatever its loss: a count of optimizer updates, a checkpoint of
 * the adapter and optimizer state, and the native memory it owns until it is closed.
 */
public interface StepTrainer extends AutoCloseable {

    /** Updates done so far. */
    int step();

    /** The adapter and optimizer state after the last update. */
    TrainingCheckpoint checkpoint(long trainedTokens);

    @Override
    void close();
}
