package ai.patchwork.trainer.train;

/**
 * Learning rate per update: linear warmup from 0 to the peak over {@code warmupSteps}, then linear or cosine decay to
 * {@code minRatio·peak} at {@code totalSteps} (the shapes of transformers' {@code get_linear_schedule_with_warmup}
 * and {@code get_cosine_schedule_with_warmup}, plus Together's {@code min_lr_ratio} floor). A pure function of the
 * step, so a resumed run continues on the same curve with nothing to save.
 *
 * @param peak the learning rate after warmup
 * @param warmupSteps updates of linear warmup (0 for none)
 * @param totalSteps total updates of the run
 * @param shape how the rate decays after warmup
 * @param minRatio the floor, as a fraction of the peak, in [0, 1]
 */
public record LrSchedule(double peak, int warmupSteps, int totalSteps, Shape shape, double minRatio) {

    /** Decay after warmup. */
    public enum Shape {
        /** Half a cosine wave from the peak down to the floor. */
        COSINE,
        /** A straight line from the peak down to the floor. */
        LINEAR,
        /** The peak throughout. */
        CONSTANT
    }

    public LrSchedule {
        if (!(peak > 0)) throw new IllegalArgumentException("learning rate must be positive, got " + peak);
        if (totalSteps < 1) throw new IllegalArgumentException("total steps must be at least 1, got " + totalSteps);
        if (warmupSteps < 0 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException("warmup steps must be in [0, " + totalSteps + "], got " + warmupSteps);
        }
        if (shape == null) throw new IllegalArgumentException("schedule shape is required");
        if (!(minRatio >= 0 && minRatio <= 1)) throw new IllegalArgumentException("min ratio must be in [0, 1]");
    }

    /** The rate for update {@code step}, counted from 1. */
    public double at(int step) {
        if (step <= warmupSteps) return peak * step / Math.max(1, warmupSteps);
        if (shape == Shape.CONSTANT) return peak;
        double progress = Math.min(1, (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
        double factor = shape == Shape.COSINE ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1 - progress;
        return peak * (minRatio + (1 - minRatio) * factor);
    }
}
