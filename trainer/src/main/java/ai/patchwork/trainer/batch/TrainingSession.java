package ai.patchwork.trainer.batch;

import ai.patchwork.trainer.train.TrainingCheckpoint;
import java.util.Map;

/**
 * What the train step holds between its chunks for one fine-tuning method: the base model, the method's trainer,
 * the data and the plan. {@link TrainTasklet} drives any session the same way: steps, progress and validation
 * events, checkpoints, cancel and resume; a session knows only how its method trains, evaluates and reports. Opened
 * when the step starts (fresh or from a checkpoint) and closed when it ends, however it ends.
 */
interface TrainingSession extends AutoCloseable {

    /** The run's resolved numbers. */
    RunPlan plan();

    /** Optimizer steps done so far. */
    int step();

    /** Tokens trained on so far (target tokens, or completion tokens of a reinforcement run). */
    long trainedTokens();

    /** Trains the next step on its batch of the plan, adding its figures to the progress window. */
    Step next();

    /** What {@link #next} did, as every method reports it. */
    record Step(int step, double learningRate, double gradNorm) {}

    /**
     * The progress window's figures since the last report, and a fresh window.
     *
     * @param summary the figures for the event's message, without the step ("training loss=0.1234, …")
     * @param data the figures as event data, in OpenAI's names where OpenAI has one
     * @param secondsPerStep mean wall time of a step in the window
     */
    record Report(String summary, Map<String, Object> data, double secondsPerStep) {}

    /** Drains the progress window. */
    Report progress();

    /** Whether there is validation data to evaluate. */
    boolean hasValidation();

    /** Evaluates the adapter as it is now on the validation data; {@code secondsPerStep} of the report is 0. */
    Report validate();

    /** Whether the run is evaluated once before its first step (the start of a reward curve). */
    default boolean validatesAtStart() {
        return false;
    }

    /** The figures recorded with a checkpoint: the last progress window's and the last validation's. */
    Map<String, Object> checkpointMetrics();

    /** The adapter and optimizer state after the last step. */
    TrainingCheckpoint checkpoint();

    /** The epoch (from 0) that {@code step} belongs to. */
    int epochOf(int step);

    /** How a fresh run is announced ("Training 40 steps"). */
    String startMessage();

    @Override
    void close();
}
