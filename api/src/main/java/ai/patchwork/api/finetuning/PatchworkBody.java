package ai.patchwork.api.finetuning;

import static ai.patchwork.api.finetuning.AutoValue.invalid;

import ai.patchwork.trainer.jobs.TrainingOptions;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Patchwork's extension of the create-job body, under {@code patchwork}: the LoRA adapter and the schedule for every
 * job, GRPO's settings for reinforcement jobs and the adapter a reinforcement or DPO job starts from. A key it does
 * not know is a 400 naming it. Values left out keep {@link TrainingOptions#DEFAULTS}; "auto" means null.
 */
record PatchworkBody(
        LoraBody lora,
        JsonNode warmupSteps,
        Double warmupRatio,
        String lrScheduler,
        Double minLrRatio,
        JsonNode maxSteps,
        JsonNode evalInterval,
        JsonNode checkpointInterval,
        Integer microBatchSize,
        Double maxGradNorm,
        Double weightDecay,
        Integer progressInterval,
        Integer groupSize,
        Double beta,
        Double epsilon,
        Integer maxCompletionTokens,
        Double temperature,
        Integer numIterations,
        String initialAdapter,
        @JsonAnySetter Map<String, JsonNode> unknown) {

    static final List<String> OPTION_KEYS = List.of(
            "checkpoint_interval",
            "eval_interval",
            "lora",
            "lr_scheduler",
            "max_grad_norm",
            "max_steps",
            "micro_batch_size",
            "min_lr_ratio",
            "progress_interval",
            "warmup_ratio",
            "warmup_steps",
            "weight_decay");
    static final List<String> REINFORCEMENT_KEYS = List.of(
            "beta",
            "epsilon",
            "group_size",
            "initial_adapter",
            "max_completion_tokens",
            "num_iterations",
            "temperature");

    /** The extension left out. */
    static final PatchworkBody NONE = new PatchworkBody(
            null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
            null, null);

    PatchworkBody {
        unknown = unknown == null ? Map.of() : Map.copyOf(new LinkedHashMap<>(unknown));
        for (String key : unknown.keySet()) {
            throw invalid(
                    "patchwork." + key,
                    "patchwork." + key + " is not a known option (known: " + String.join(", ", OPTION_KEYS)
                            + "; for reinforcement also " + String.join(", ", REINFORCEMENT_KEYS) + ")");
        }
    }

    /**
     * Refuses GRPO's keys on a job that is not reinforcement ({@code initial_adapter} is also DPO's).
     *
     * @param method the job's method type
     */
    void checkFor(String method) {
        Map<String, Object> grpo = new LinkedHashMap<>();
        grpo.put("group_size", groupSize);
        grpo.put("beta", beta);
        grpo.put("epsilon", epsilon);
        grpo.put("max_completion_tokens", maxCompletionTokens);
        grpo.put("temperature", temperature);
        grpo.put("num_iterations", numIterations);
        grpo.put("initial_adapter", method.equals("dpo") ? null : initialAdapter);
        if (method.equals("reinforcement")) return;
        grpo.forEach((key, value) -> {
            if (value != null) {
                throw invalid(
                        "patchwork." + key,
                        "patchwork." + key + " is a reinforcement fine-tuning option; this job is supervised");
            }
        });
    }

    /** The LoRA and schedule options; reinforcement jobs report every step unless asked otherwise (steps are slow). */
    TrainingOptions options(boolean reinforcement) {
        TrainingOptions.Builder b = TrainingOptions.builder();
        if (lora != null) {
            if (lora.r() != null) b.loraRank(lora.r());
            if (lora.alpha() != null) b.loraAlpha(lora.alpha());
            if (lora.dropout() != null) b.loraDropout(lora.dropout());
            if (lora.targets() != null) b.targetModules(lora.targets());
        }
        b.warmupSteps(AutoValue.integer(warmupSteps, "patchwork.warmup_steps"));
        if (warmupRatio != null) b.warmupRatio(warmupRatio);
        if (lrScheduler != null) b.lrScheduler(lrScheduler);
        if (minLrRatio != null) b.minLrRatio(minLrRatio);
        b.maxSteps(AutoValue.integer(maxSteps, "patchwork.max_steps"));
        b.evalInterval(AutoValue.integer(evalInterval, "patchwork.eval_interval"));
        b.checkpointInterval(AutoValue.integer(checkpointInterval, "patchwork.checkpoint_interval"));
        if (microBatchSize != null) b.microBatchSize(microBatchSize);
        if (maxGradNorm != null) b.maxGradNorm(maxGradNorm);
        if (weightDecay != null) b.weightDecay(weightDecay);
        if (progressInterval != null) b.progressInterval(progressInterval);
        else if (reinforcement) b.progressInterval(1);
        return b.build();
    }

    /**
     * {@code patchwork.lora}.
     *
     * @param r the rank
     * @param alpha lora_alpha
     * @param dropout dropout on the adapter's input
     * @param targetModules a list of projection names or {@code "all-linear"}
     */
    record LoraBody(
            Integer r,
            Double alpha,
            Double dropout,
            JsonNode targetModules,
            @JsonAnySetter Map<String, JsonNode> unknown) {

        LoraBody {
            unknown = unknown == null ? Map.of() : Map.copyOf(new LinkedHashMap<>(unknown));
            for (String key : unknown.keySet()) {
                throw invalid(
                        "patchwork.lora." + key,
                        "patchwork.lora." + key + " is not a known option (known: alpha, dropout, r, target_modules)");
            }
            targets(targetModules);
        }

        /** The target modules, or null when left out. */
        List<String> targets() {
            return targets(targetModules);
        }

        private static List<String> targets(JsonNode n) {
            if (!AutoValue.given(n)) return null;
            if (n.isString() && n.asString().equals("all-linear")) return TrainingOptions.ALL_LINEAR;
            if (!n.isArray()) {
                throw invalid(
                        "patchwork.lora.target_modules",
                        "patchwork.lora.target_modules must be a list of module names or \"all-linear\"");
            }
            List<String> out = new ArrayList<>();
            for (JsonNode m : n) {
                if (!m.isString()) throw invalid("patchwork.lora.target_modules", "target_modules must be strings");
                out.add(m.asString());
            }
            return out;
        }
    }
}
