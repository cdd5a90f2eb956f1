package ai.patchwork.api.finetuning;

import static ai.patchwork.api.finetuning.AutoValue.invalid;

import ai.patchwork.trainer.jobs.Hyperparameters;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * A {@code hyperparameters} object of the create-job body, wherever it stands (the deprecated top level,
 * {@code method.supervised}, {@code method.dpo} or {@code method.reinforcement}). Values are a number or
 * {@code "auto"}, so they stay JSON until {@link #openAi} reads them; which keys a location accepts is checked by
 * {@link #check}, since only the caller knows the location.
 */
record HyperparametersBody(
        JsonNode nEpochs,
        JsonNode batchSize,
        JsonNode learningRateMultiplier,
        JsonNode beta,
        JsonNode computeMultiplier,
        JsonNode evalInterval,
        JsonNode evalSamples,
        JsonNode reasoningEffort,
        @JsonAnySetter Map<String, JsonNode> others) {

    /** The keys only a reinforcement job takes. */
    static final List<String> REINFORCEMENT_ONLY =
            List.of("reasoning_effort", "compute_multiplier", "eval_interval", "eval_samples");

    /** Every key {@code method.reinforcement.hyperparameters} takes. */
    static final List<String> REINFORCEMENT_KEYS = List.of(
            "batch_size",
            "compute_multiplier",
            "eval_interval",
            "eval_samples",
            "learning_rate_multiplier",
            "n_epochs",
            "reasoning_effort");

    HyperparametersBody {
        others = others == null ? Map.of() : Map.copyOf(new LinkedHashMap<>(others));
    }

    /** The keys sent with a value, known or not. */
    Set<String> given() {
        Set<String> keys = new LinkedHashSet<>();
        if (AutoValue.given(nEpochs)) keys.add("n_epochs");
        if (AutoValue.given(batchSize)) keys.add("batch_size");
        if (AutoValue.given(learningRateMultiplier)) keys.add("learning_rate_multiplier");
        if (AutoValue.given(beta)) keys.add("beta");
        if (AutoValue.given(computeMultiplier)) keys.add("compute_multiplier");
        if (AutoValue.given(evalInterval)) keys.add("eval_interval");
        if (AutoValue.given(evalSamples)) keys.add("eval_samples");
        if (AutoValue.given(reasoningEffort)) keys.add("reasoning_effort");
        keys.addAll(others.keySet());
        return keys;
    }

    /**
     * Refuses the keys the location {@code where} does not take: a reinforcement job's hyperparameters take exactly
     * {@link #REINFORCEMENT_KEYS}; elsewhere the reinforcement-only keys and (outside DPO) {@code beta} are refused,
     * and other unknown keys are ignored as OpenAI's API does.
     */
    void check(String where) {
        for (String key : given()) {
            if (where.startsWith("method.reinforcement")) {
                if (!REINFORCEMENT_KEYS.contains(key)) {
                    throw invalid(
                            where + "." + key,
                            where + "." + key + " is not a known hyperparameter (known: "
                                    + String.join(", ", REINFORCEMENT_KEYS) + ")");
                }
            } else if (REINFORCEMENT_ONLY.contains(key)) {
                throw invalid(where + "." + key, key + " is a reinforcement fine-tuning hyperparameter");
            } else if (key.equals("beta") && !where.startsWith("method.dpo")) {
                throw invalid(where + ".beta", "beta is a DPO hyperparameter");
            }
        }
    }

    /** OpenAI's three, each possibly {@code "auto"} (null). */
    Hyperparameters openAi() {
        return new Hyperparameters(
                AutoValue.integer(nEpochs, "n_epochs"),
                AutoValue.integer(batchSize, "batch_size"),
                AutoValue.number(learningRateMultiplier, "learning_rate_multiplier"));
    }
}
