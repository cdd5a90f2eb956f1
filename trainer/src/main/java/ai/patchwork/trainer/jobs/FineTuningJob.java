package ai.patchwork.trainer.jobs;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * A fine-tuning job as the API shows it (OpenAI's {@code fine_tuning.job}).
 *
 * @param id {@code ftjob-…}
 * @param createdAt when it was created
 * @param finishedAt when it reached a terminal status, or null
 * @param estimatedFinish while running, when training should end at the current pace; else null
 * @param model the base model id
 * @param fineTunedModel the registered adapter's name once the job succeeded, else null
 * @param status where it is in its lifecycle
 * @param error why it failed, or null
 * @param hyperparameters as requested ("auto" = null) until the data is tokenized, then as resolved
 * @param options the Patchwork extension, as requested until resolved
 * @param trainingFile the training file id
 * @param validationFile the validation file id, or null
 * @param resultFiles ids of the metrics CSV files
 * @param trainedTokens target tokens trained on, once finished; else null
 * @param seed the seed
 * @param suffix the user's suffix, or null
 * @param metadata the user's metadata
 * @param reinforcement the reinforcement method; null unless the job is reinforcement
 * @param preference the preference method (DPO); null unless the job is DPO
 * @param integrations the client's integrations as sent (a JSON array, empty for none); stored, not acted on
 */
public record FineTuningJob(
        String id,
        Instant createdAt,
        Instant finishedAt,
        Instant estimatedFinish,
        String model,
        String fineTunedModel,
        JobStatus status,
        JobError error,
        Hyperparameters hyperparameters,
        TrainingOptions options,
        String trainingFile,
        String validationFile,
        List<String> resultFiles,
        Long trainedTokens,
        long seed,
        String suffix,
        Map<String, String> metadata,
        Reinforcement reinforcement,
        Preference preference,
        JsonNode integrations) {

    public FineTuningJob {
        resultFiles = List.copyOf(resultFiles);
        metadata = Map.copyOf(metadata);
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(integrations, "integrations");
    }
}
