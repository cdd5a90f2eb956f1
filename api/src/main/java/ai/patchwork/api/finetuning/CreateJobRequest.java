package ai.patchwork.api.finetuning;

import static ai.patchwork.api.finetuning.AutoValue.invalid;

import ai.patchwork.trainer.TrainerException;
import ai.patchwork.trainer.jobs.Hyperparameters;
import ai.patchwork.trainer.jobs.JobSettings;
import ai.patchwork.trainer.jobs.Preference;
import ai.patchwork.trainer.jobs.Reinforcement;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The body of {@code POST /v1/fine_tuning/jobs}: OpenAI's {@code CreateFineTuningJobRequest} (supervised, DPO or
 * reinforcement; the deprecated top-level {@code hyperparameters} when there is no method) plus the Patchwork
 * extension under {@code patchwork}. Jackson binds it; each record checks its own fields in its constructor and
 * {@link #settings()} maps it to the trainer's typed command. Every problem is a 400 naming the field.
 *
 * @param model the base model id
 * @param trainingFile {@code file-…} with purpose fine-tune
 * @param validationFile {@code file-…} or null
 * @param suffix part of the fine-tuned model's name, or null
 * @param seed seeds the run, or null for a random one
 * @param metadata up to 16 string pairs, or null
 * @param hyperparameters the deprecated top-level hyperparameters, or null
 * @param method the method and its hyperparameters, or null for supervised
 * @param patchwork the extension, or null
 * @param integrations OpenAI's {@code integrations} (wandb only), stored and returned as sent, or null
 */
record CreateJobRequest(
        String model,
        String trainingFile,
        String validationFile,
        String suffix,
        Long seed,
        Map<String, String> metadata,
        HyperparametersBody hyperparameters,
        MethodBody method,
        PatchworkBody patchwork,
        JsonNode integrations) {

    private static final SecureRandom SEEDS = new SecureRandom();

    CreateJobRequest {
        if (model == null) throw TrainerException.invalid("model", "missing_model", "model is required");
        if (trainingFile == null) {
            throw TrainerException.invalid("training_file", "missing_training_file", "training_file is required");
        }
        integrations = checkIntegrations(integrations);
    }

    /** The trainer's command: the method's settings with every default filled in and "auto" left as null. */
    JobSettings settings() {
        String type = method == null ? "supervised" : method.type();
        PatchworkBody p = patchwork == null ? PatchworkBody.NONE : patchwork;
        p.checkFor(type);
        return new JobSettings(
                model,
                trainingFile,
                validationFile,
                suffix,
                seed != null ? seed : SEEDS.nextInt(Integer.MAX_VALUE),
                metadata,
                openAiHyperparameters(),
                p.options(type.equals("reinforcement")),
                type.equals("reinforcement") ? reinforcement(p) : null,
                type.equals("dpo") ? preference(p) : null,
                integrations);
    }

    /** The method's hyperparameters if it has them, else the deprecated top-level ones, else all "auto". */
    private Hyperparameters openAiHyperparameters() {
        HyperparametersBody h = hyperparameters;
        String where = "hyperparameters";
        if (method != null && method.hyperparameters() != null) {
            h = method.hyperparameters();
            where = "method." + method.type() + ".hyperparameters";
        }
        if (h == null) return Hyperparameters.AUTO;
        h.check(where);
        return h.openAi();
    }

    private Reinforcement reinforcement(PatchworkBody p) {
        MethodBody.ReinforcementTuning r = method.reinforcement();
        Reinforcement d = Reinforcement.defaults(r.grader());
        HyperparametersBody h = r.hyperparameters();
        String at = "method.reinforcement.hyperparameters.";
        Double computeMultiplier =
                h == null ? null : AutoValue.number(h.computeMultiplier(), at + "compute_multiplier");
        Integer evalInterval = h == null ? null : AutoValue.integer(h.evalInterval(), at + "eval_interval");
        Integer evalSamples = h == null ? null : AutoValue.integer(h.evalSamples(), at + "eval_samples");
        return new Reinforcement(
                r.grader(),
                computeMultiplier == null ? d.computeMultiplier() : computeMultiplier,
                evalInterval,
                evalSamples == null ? d.evalSamples() : evalSamples,
                p.groupSize() == null ? d.groupSize() : p.groupSize(),
                p.beta() == null ? d.beta() : p.beta(),
                p.epsilon() == null ? d.epsilon() : p.epsilon(),
                p.maxCompletionTokens() == null ? d.maxCompletionTokens() : p.maxCompletionTokens(),
                p.temperature() == null ? d.temperature() : p.temperature(),
                p.numIterations() == null ? d.iterations() : p.numIterations(),
                p.initialAdapter());
    }

    private Preference preference(PatchworkBody p) {
        HyperparametersBody h = method.hyperparameters();
        Double beta = h == null ? null : AutoValue.number(h.beta(), "method.dpo.hyperparameters.beta");
        return new Preference(beta == null ? Preference.DEFAULT_BETA : beta, p.initialAdapter());
    }

    /**
     * OpenAI's {@code integrations}: at most 5 {@code {"type": "wandb", "wandb": {"project": …, "name", "entity",
     * "tags"}}} objects, 4 KB in all; an empty array when left out.
     */
    private static JsonNode checkIntegrations(JsonNode n) {
        if (!AutoValue.given(n)) return JsonMapper.shared().createArrayNode();
        if (!n.isArray()) throw invalid("integrations", "integrations must be an array");
        if (n.size() > 5) throw invalid("integrations", "integrations has more than 5 entries");
        if (n.toString().length() > 4096) throw invalid("integrations", "integrations is longer than 4 KB");
        for (int i = 0; i < n.size(); i++) {
            String at = "integrations[" + i + "]";
            JsonNode e = n.get(i);
            if (!e.isObject() || !"wandb".equals(e.path("type").asString(""))) {
                throw invalid(at + ".type", at + ".type must be \"wandb\", the only integration type");
            }
            JsonNode w = e.path("wandb");
            if (!w.isObject()
                    || !w.path("project").isString()
                    || w.path("project").asString().isBlank()) {
                throw invalid(at + ".wandb.project", at + ".wandb.project is required");
            }
            for (String key : List.of("name", "entity")) {
                if (AutoValue.given(w.path(key)) && !w.path(key).isString()) {
                    throw invalid(at + ".wandb." + key, at + ".wandb." + key + " must be a string");
                }
            }
            JsonNode tags = w.path("tags");
            boolean strings = !AutoValue.given(tags)
                    || tags.isArray() && tags.valueStream().allMatch(JsonNode::isString);
            if (!strings) throw invalid(at + ".wandb.tags", at + ".wandb.tags must be an array of strings");
        }
        return n;
    }
}
