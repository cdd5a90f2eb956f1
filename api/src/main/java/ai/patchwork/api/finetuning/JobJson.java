package ai.patchwork.api.finetuning;

import ai.patchwork.trainer.jobs.FineTuningJob;
import ai.patchwork.trainer.jobs.Hyperparameters;
import ai.patchwork.trainer.jobs.JobError;
import ai.patchwork.trainer.jobs.TrainingOptions;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI's {@code fine_tuning.job}. Every field the SDKs require is always present, nullable ones as explicit nulls;
 * {@code hyperparameters} shows "auto" until a worker resolves it from the data. The Patchwork extension is echoed
 * under {@code patchwork}; the SDKs ignore keys they do not know.
 */
record JobJson(
        String id,
        String object,
        long createdAt,
        Long finishedAt,
        Long estimatedFinish,
        String model,
        String fineTunedModel,
        String organizationId,
        String status,
        ErrorJson error,
        Map<String, Object> hyperparameters,
        Map<String, Object> method,
        String trainingFile,
        String validationFile,
        List<String> resultFiles,
        Long trainedTokens,
        long seed,
        Object integrations,
        Map<String, String> metadata,
        String userProvidedSuffix,
        Map<String, Object> patchwork) {

    /** The organization every job belongs to: Patchwork has one. */
    static final String ORGANIZATION = "org-patchwork";

    /** OpenAI's job {@code error}. */
    record ErrorJson(String code, String message, String param) {
        static ErrorJson of(JobError e) {
            return e == null ? null : new ErrorJson(e.code(), e.message(), e.param());
        }
    }

    static JobJson of(FineTuningJob j) {
        Map<String, Object> hyper = hyperparameters(j.hyperparameters());
        Map<String, Object> method = new LinkedHashMap<>();
        Map<String, Object> patchwork = options(j.options());
        if (j.preference() != null) {
            Map<String, Object> dpo = new LinkedHashMap<>(hyper);
            dpo.putAll(j.preference().hyperparameters());
            method.put("type", "dpo");
            method.put("dpo", Map.of("hyperparameters", dpo));
            if (j.preference().initialAdapter() != null)
                patchwork.putAll(j.preference().options());
        } else if (j.reinforcement() == null) {
            method.put("type", "supervised");
            method.put("supervised", Map.of("hyperparameters", hyper));
        } else {
            Map<String, Object> rl = new LinkedHashMap<>(hyper);
            rl.putAll(j.reinforcement().hyperparameters());
            Map<String, Object> inner = new LinkedHashMap<>();
            inner.put("grader", j.reinforcement().grader());
            inner.put("hyperparameters", rl);
            method.put("type", "reinforcement");
            method.put("reinforcement", inner);
            patchwork.putAll(j.reinforcement().options());
        }
        return new JobJson(
                j.id(),
                "fine_tuning.job",
                seconds(j.createdAt()),
                secondsOrNull(j.finishedAt()),
                secondsOrNull(j.estimatedFinish()),
                j.model(),
                j.fineTunedModel(),
                ORGANIZATION,
                j.status().wire(),
                ErrorJson.of(j.error()),
                hyper,
                method,
                j.trainingFile(),
                j.validationFile(),
                j.resultFiles(),
                j.trainedTokens(),
                j.seed(),
                j.integrations().isEmpty() ? null : j.integrations(),
                j.metadata().isEmpty() ? null : j.metadata(),
                j.suffix(),
                patchwork);
    }

    static Map<String, Object> hyperparameters(Hyperparameters h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("batch_size", h.batchSize() == null ? "auto" : h.batchSize());
        m.put("learning_rate_multiplier", h.learningRateMultiplier() == null ? "auto" : h.learningRateMultiplier());
        m.put("n_epochs", h.nEpochs() == null ? "auto" : h.nEpochs());
        return m;
    }

    static Map<String, Object> options(TrainingOptions o) {
        Map<String, Object> lora = new LinkedHashMap<>();
        lora.put("r", o.loraRank());
        lora.put("alpha", o.loraAlpha());
        lora.put("dropout", o.loraDropout());
        lora.put("target_modules", o.targetModules());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lora", lora);
        m.put("warmup_steps", o.warmupSteps() == null ? "auto" : o.warmupSteps());
        m.put("warmup_ratio", o.warmupRatio());
        m.put("lr_scheduler", o.lrScheduler());
        m.put("min_lr_ratio", o.minLrRatio());
        m.put("max_steps", o.maxSteps());
        m.put("eval_interval", o.evalInterval() == null ? "auto" : o.evalInterval());
        m.put("checkpoint_interval", o.checkpointInterval() == null ? "auto" : o.checkpointInterval());
        m.put("micro_batch_size", o.microBatchSize());
        m.put("max_grad_norm", o.maxGradNorm());
        m.put("weight_decay", o.weightDecay());
        m.put("progress_interval", o.progressInterval());
        return m;
    }

    static long seconds(Instant t) {
        return t.getEpochSecond();
    }

    static Long secondsOrNull(Instant t) {
        return t == null ? null : t.getEpochSecond();
    }
}
