package ai.patchwork.registry;

import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Lineage of an adapter version: uploaded by a user, or produced by a fine-tuning job from a training file with
 * hyperparameters.
 *
 * @param type where it came from
 * @param jobId the fine-tuning job ({@code ftjob-…}); null for uploads
 * @param trainingFile the job's training file ({@code file-…}); null for uploads
 * @param hyperparameters the job's resolved hyperparameters (null values dropped); empty for uploads
 */
public record AdapterLineage(Type type, String jobId, String trainingFile, Map<String, Object> hyperparameters) {

    /** Where an adapter came from. */
    public enum Type {
        UPLOAD,
        FINE_TUNING
    }

    public AdapterLineage {
        Objects.requireNonNull(type, "type");
        hyperparameters = hyperparameters == null
                ? Map.of()
                : hyperparameters.entrySet().stream()
                        .filter(e -> e.getKey() != null && e.getValue() != null)
                        .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));
        if (type == Type.FINE_TUNING && (jobId == null || jobId.isBlank())) {
            throw new IllegalArgumentException("a fine-tuning source needs the job id");
        }
        if (type == Type.UPLOAD && (jobId != null || trainingFile != null || !hyperparameters.isEmpty())) {
            throw new IllegalArgumentException("an upload source has no job, training file or hyperparameters");
        }
    }

    /** Uploaded through the API. */
    public static AdapterLineage upload() {
        return new AdapterLineage(Type.UPLOAD, null, null, Map.of());
    }

    /** Produced by fine-tuning job {@code jobId}. */
    public static AdapterLineage fineTuning(String jobId, String trainingFile, Map<String, Object> hyperparameters) {
        return new AdapterLineage(Type.FINE_TUNING, jobId, trainingFile, hyperparameters);
    }
}
