package ai.patchwork.trainer.jobs;

import ai.patchwork.trainer.TrainerException;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * The typed command that creates a job, validated (what the {@code api} module makes of OpenAI's
 * {@code CreateFineTuningJobRequest}: supervised, DPO or reinforcement, plus
 * {@link TrainingOptions}).
 *
 * @param model the base model id
 * @param trainingFile {@code file-…} with purpose fine-tune
 * @param validationFile {@code file-…} or null
 * @param suffix up to 64 letters, digits, '-' or '_', part of the fine-tuned model's name; null for none
 * @param seed seeds the adapter's initialisation, the data order and dropout
 * @param metadata up to 16 string pairs
 * @param hyperparameters the OpenAI hyperparameters, possibly "auto"
 * @param options the Patchwork extension
 * @param reinforcement the reinforcement method (grader, GRPO settings); null unless the job is reinforcement
 * @param preference the preference method (DPO); null unless the job is DPO
 * @param integrations OpenAI's {@code integrations} as sent, validated: a JSON array, empty for none
 */
public record JobSettings(
        String model,
        String trainingFile,
        String validationFile,
        String suffix,
        long seed,
        Map<String, String> metadata,
        Hyperparameters hyperparameters,
        TrainingOptions options,
        Reinforcement reinforcement,
        Preference preference,
        JsonNode integrations) {

    private static final Pattern SUFFIX = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    public JobSettings {
        if (model == null || model.isBlank())
            throw TrainerException.invalid("model", "missing_model", "model is required");
        if (trainingFile == null || trainingFile.isBlank()) {
            throw TrainerException.invalid("training_file", "missing_training_file", "training_file is required");
        }
        if (suffix != null && suffix.isEmpty()) suffix = null;
        if (suffix != null && !SUFFIX.matcher(suffix).matches()) {
            throw TrainerException.invalid(
                    "suffix", "invalid_suffix", "suffix must be 1 to 64 letters, digits, '-' or '_'");
        }
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        if (metadata.size() > 16)
            throw TrainerException.invalid("metadata", "invalid_metadata", "metadata has more than 16 keys");
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getKey().length() > 64 || e.getValue().length() > 512) {
                throw TrainerException.invalid(
                        "metadata",
                        "invalid_metadata",
                        "metadata keys are at most 64 characters and values at most 512");
            }
        }
        Objects.requireNonNull(hyperparameters, "hyperparameters");
        Objects.requireNonNull(options, "options");
        if (reinforcement != null && preference != null) throw new IllegalArgumentException("one method per job");
        Objects.requireNonNull(integrations, "integrations");
    }

    /** These settings with the method's own replaced: a reinforcement job's, a DPO job's (at most one), or none. */
    public JobSettings withMethod(Reinforcement reinforcement, Preference preference) {
        return new JobSettings(
                model,
                trainingFile,
                validationFile,
                suffix,
                seed,
                metadata,
                hyperparameters,
                options,
                reinforcement,
                preference,
                integrations);
    }
}
