package ai.patchwork.trainer.batch;

import ai.patchwork.model.lora.PeftConfig;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.trainer.jobs.FineTuningJob;
import ai.patchwork.trainer.jobs.Hyperparameters;
import ai.patchwork.trainer.jobs.Reinforcement;
import ai.patchwork.trainer.jobs.TrainingOptions;
import ai.patchwork.trainer.train.GrpoConfig;
import ai.patchwork.trainer.train.LrSchedule;
import ai.patchwork.trainer.train.TrainingConfig;
import java.util.EnumSet;
import java.util.Set;

/**
 * A job's numbers once the training file's size is known: every "auto" resolved, the step counts, and the loop's
 * configuration. A pure function of the job and the example count, so the tokenize step and a resumed train step
 * on another worker compute the same plan.
 *
 * @param hyperparameters resolved epochs, batch size and multiplier
 * @param options the extension with warmup, eval and checkpoint intervals resolved
 * @param totalSteps optimizer steps of the whole run
 * @param training the loop's configuration
 * @param reinforcement the reinforcement method with its evaluation interval resolved; null for supervised jobs
 */
record RunPlan(
        Hyperparameters hyperparameters,
        TrainingOptions options,
        int totalSteps,
        TrainingConfig training,
        Reinforcement reinforcement) {

    /**
     * @param examples training examples, pairs of a DPO job, or prompts of a reinforcement job
     * @param hiddenSize the base model's hidden size, which the {@code "auto"} learning rate depends on
     */
    static RunPlan of(FineTuningJob job, int examples, int hiddenSize) {
        Reinforcement rl = job.reinforcement();
        Hyperparameters h = rl == null
                ? job.hyperparameters().resolve(examples, hiddenSize)
                : job.hyperparameters().resolveForReinforcement(examples);
        TrainingOptions o = job.options();
        int perEpoch = (examples + h.batchSize() - 1) / h.batchSize();
        int total = h.nEpochs() * perEpoch;
        if (o.maxSteps() != null) total = Math.min(total, o.maxSteps());
        int warmup =
                o.warmupSteps() != null ? Math.min(o.warmupSteps(), total) : (int) Math.round(o.warmupRatio() * total);
        Integer asked = rl != null && rl.evalInterval() != null ? rl.evalInterval() : o.evalInterval();
        int eval = asked != null ? asked : Math.max(1, total / 10);
        int checkpoint = o.checkpointInterval() != null ? o.checkpointInterval() : Math.max(10, total / 10);
        TrainingOptions resolved = new TrainingOptions(
                o.loraRank(),
                o.loraAlpha(),
                o.loraDropout(),
                o.targetModules(),
                warmup,
                o.warmupRatio(),
                o.lrScheduler(),
                o.minLrRatio(),
                o.maxSteps(),
                eval,
                Math.min(checkpoint, total),
                o.microBatchSize(),
                o.maxGradNorm(),
                o.weightDecay(),
                o.progressInterval());
        Set<Projection> targets = EnumSet.noneOf(Projection.class);
        for (String m : o.targetModules()) targets.add(Projection.ofModule(m));
        PeftConfig peft = new PeftConfig(o.loraRank(), o.loraAlpha(), false, targets, job.model());
        LrSchedule schedule = new LrSchedule(
                Hyperparameters.BASE_LEARNING_RATE * h.learningRateMultiplier(),
                warmup,
                total,
                LrSchedule.Shape.valueOf(o.lrScheduler().toUpperCase(java.util.Locale.ROOT)),
                o.minLrRatio());
        TrainingConfig config = new TrainingConfig(
                peft, o.loraDropout(), schedule, o.maxGradNorm(), o.weightDecay(), o.microBatchSize(), job.seed());
        return new RunPlan(h, resolved, total, config, rl == null ? null : rl.withEvalInterval(eval));
    }

    /** GRPO's settings: the loop's configuration and the reinforcement method's. */
    GrpoConfig grpo() {
        return new GrpoConfig(
                training,
                reinforcement.samplesPerPrompt(),
                reinforcement.beta(),
                reinforcement.epsilon(),
                reinforcement.maxCompletionTokens(),
                reinforcement.temperature(),
                reinforcement.iterations());
    }

    int evalInterval() {
        return options.evalInterval();
    }

    int checkpointInterval() {
        return options.checkpointInterval();
    }

    int progressInterval() {
        return options.progressInterval();
    }
}
