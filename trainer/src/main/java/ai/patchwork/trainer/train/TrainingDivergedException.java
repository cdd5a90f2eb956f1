package ai.patchwork.trainer.train;

/** The loss or the gradients stopped being finite numbers: the learning rate is too high for this data. */
public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(int step, String what) {
        super("training diverged at step " + step + ": the " + what + " is not a finite number; "
                + "lower learning_rate_multiplier");
    }
}
