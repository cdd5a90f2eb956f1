package ai.patchwork.trainer.jobs;

import ai.patchwork.model.nn.Projection;
import ai.patchwork.trainer.TrainerException;
import java.util.List;

/**
 * Patchwork's extension of the create-job request, under {@code "patchwork"}: the LoRA adapter and the schedule.
 * Null stands for "auto" where the field allows it. Defaults: r 16, alpha 32, dropout 0, every linear projection,
 * 3% warmup, cosine decay to 10% of the peak, evaluation and checkpoints 10 times per run, micro-batches of 8,
 * gradient norm clipped to 1, no weight decay, progress every 10 steps.
 *
 * @param loraRank r
 * @param loraAlpha lora_alpha (the scale is alpha / r)
 * @param loraDropout dropout on the adapter's input, in [0, 1)
 * @param targetModules projections that get an adapter ({@code q_proj} … {@code down_proj})
 * @param warmupSteps linear warmup in steps; null: {@code warmupRatio} of the run
 * @param warmupRatio linear warmup as a fraction of the run, in [0, 1)
 * @param lrScheduler {@code cosine}, {@code linear} or {@code constant}
 * @param minLrRatio the rate decays to this fraction of the peak
 * @param maxSteps stop after this many steps even if epochs remain; null: no limit
 * @param evalInterval steps between evaluations on the validation file; null: a tenth of the run
 * @param checkpointInterval steps between checkpoints; null: a tenth of the run (at least 10)
 * @param microBatchSize examples per forward pass; larger batches accumulate gradients
 * @param maxGradNorm gradient clipping; 0 disables it
 * @param weightDecay AdamW's decoupled weight decay
 * @param progressInterval steps between progress events, 1 to 10
 */
public record TrainingOptions(
        int loraRank,
        double loraAlpha,
        double loraDropout,
        List<String> targetModules,
        Integer warmupSteps,
        double warmupRatio,
        String lrScheduler,
        double minLrRatio,
        Integer maxSteps,
        Integer evalInterval,
        Integer checkpointInterval,
        int microBatchSize,
        double maxGradNorm,
        double weightDecay,
        int progressInterval) {

    /** Every linear projection of a Llama block. */
    public static final List<String> ALL_LINEAR =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    public static final TrainingOptions DEFAULTS =
            new TrainingOptions(16, 32, 0, ALL_LINEAR, null, 0.03, "cosine", 0.1, null, null, null, 8, 1.0, 0, 10);

    public TrainingOptions {
        check(loraRank >= 1 && loraRank <= 256, "lora.r", "must be between 1 and 256, got " + loraRank);
        check(loraAlpha > 0, "lora.alpha", "must be positive, got " + loraAlpha);
        check(loraDropout >= 0 && loraDropout < 1, "lora.dropout", "must be in [0, 1), got " + loraDropout);
        check(
                targetModules != null && !targetModules.isEmpty(),
                "lora.target_modules",
                "must name at least one module");
        targetModules = List.copyOf(targetModules);
        for (String m : targetModules) {
            check(Projection.ofModule(m) != null, "lora.target_modules", "'" + m + "' is not one of " + ALL_LINEAR);
        }
        check(warmupSteps == null || warmupSteps >= 0, "warmup_steps", "must not be negative");
        check(warmupRatio >= 0 && warmupRatio < 1, "warmup_ratio", "must be in [0, 1)");
        check(
                List.of("cosine", "linear", "constant").contains(lrScheduler),
                "lr_scheduler",
                "must be cosine, linear or constant, got " + lrScheduler);
        check(minLrRatio >= 0 && minLrRatio <= 1, "min_lr_ratio", "must be in [0, 1]");
        check(maxSteps == null || maxSteps >= 1, "max_steps", "must be at least 1");
        check(evalInterval == null || evalInterval >= 1, "eval_interval", "must be at least 1");
        check(checkpointInterval == null || checkpointInterval >= 1, "checkpoint_interval", "must be at least 1");
        check(microBatchSize >= 1 && microBatchSize <= 256, "micro_batch_size", "must be between 1 and 256");
        check(maxGradNorm >= 0, "max_grad_norm", "must not be negative");
        check(weightDecay >= 0, "weight_decay", "must not be negative");
        check(progressInterval >= 1 && progressInterval <= 10, "progress_interval", "must be between 1 and 10");
    }

    /** A builder starting from {@link #DEFAULTS}, for callers that set a few options; {@link Builder#build()} validates. */
    public static Builder builder() {
        return new Builder();
    }

    /** Mutable and single-use: set what the request gave, then {@link #build()}. */
    public static final class Builder {
        private int loraRank = DEFAULTS.loraRank;
        private double loraAlpha = DEFAULTS.loraAlpha;
        private double loraDropout = DEFAULTS.loraDropout;
        private List<String> targetModules = DEFAULTS.targetModules;
        private Integer warmupSteps;
        private double warmupRatio = DEFAULTS.warmupRatio;
        private String lrScheduler = DEFAULTS.lrScheduler;
        private double minLrRatio = DEFAULTS.minLrRatio;
        private Integer maxSteps;
        private Integer evalInterval;
        private Integer checkpointInterval;
        private int microBatchSize = DEFAULTS.microBatchSize;
        private double maxGradNorm = DEFAULTS.maxGradNorm;
        private double weightDecay = DEFAULTS.weightDecay;
        private int progressInterval = DEFAULTS.progressInterval;

        private Builder() {}

        public Builder loraRank(int r) {
            loraRank = r;
            return this;
        }

        public Builder loraAlpha(double alpha) {
            loraAlpha = alpha;
            return this;
        }

        public Builder loraDropout(double dropout) {
            loraDropout = dropout;
            return this;
        }

        public Builder targetModules(List<String> modules) {
            targetModules = modules;
            return this;
        }

        public Builder warmupSteps(Integer steps) {
            warmupSteps = steps;
            return this;
        }

        public Builder warmupRatio(double ratio) {
            warmupRatio = ratio;
            return this;
        }

        public Builder lrScheduler(String scheduler) {
            lrScheduler = scheduler;
            return this;
        }

        public Builder minLrRatio(double ratio) {
            minLrRatio = ratio;
            return this;
        }

        public Builder maxSteps(Integer steps) {
            maxSteps = steps;
            return this;
        }

        public Builder evalInterval(Integer steps) {
            evalInterval = steps;
            return this;
        }

        public Builder checkpointInterval(Integer steps) {
            checkpointInterval = steps;
            return this;
        }

        public Builder microBatchSize(int examples) {
            microBatchSize = examples;
            return this;
        }

        public Builder maxGradNorm(double norm) {
            maxGradNorm = norm;
            return this;
        }

        public Builder weightDecay(double decay) {
            weightDecay = decay;
            return this;
        }

        public Builder progressInterval(int steps) {
            progressInterval = steps;
            return this;
        }

        public TrainingOptions build() {
            return new TrainingOptions(
                    loraRank,
                    loraAlpha,
                    loraDropout,
                    targetModules,
                    warmupSteps,
                    warmupRatio,
                    lrScheduler,
                    minLrRatio,
                    maxSteps,
                    evalInterval,
                    checkpointInterval,
                    microBatchSize,
                    maxGradNorm,
                    weightDecay,
                    progressInterval);
        }
    }

    private static void check(boolean ok, String field, String message) {
        if (!ok)
            throw TrainerException.invalid(
                    "patchwork." + field, "invalid_hyperparameter", "patchwork." + field + " " + message);
    }
}
