package ai.patchwork.trainer.grader;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The result of grading one sample.
 *
 * @param reward in [0, 1] for every grader but {@code multi}, whose reward is whatever its {@code calculate_output}
 *     formula gives; always finite
 * @param subRewards for {@code multi}: the reward of each sub-grader by its name; empty otherwise
 * @param errors every key of {@link #ERROR_KEYS}, true where that problem occurred (OpenAI's
 *     {@code metadata.errors} flags)
 */
public record Grade(double reward, Map<String, Double> subRewards, Map<String, Boolean> errors) {

    /** A formula could not be parsed (Patchwork rejects such graders before grading, so it stays false). */
    public static final String FORMULA_PARSE_ERROR = "formula_parse_error";
    /** The sample could not be parsed, e.g. it is not the JSON that {@code sample.output_json} or json_check needs. */
    public static final String SAMPLE_PARSE_ERROR = "sample_parse_error";
    /** OpenAI's flag for truncated tool observations; never set by Patchwork. */
    public static final String TRUNCATED_OBSERVATION_ERROR = "truncated_observation_error";
    /** A reward that did not come back within the grading budget ({@link BoundedGrader}), or from too long a sample. */
    public static final String UNRESPONSIVE_REWARD_ERROR = "unresponsive_reward_error";
    /** A template variable is missing from the row (it rendered as the empty string) or has no usable value. */
    public static final String INVALID_VARIABLE_ERROR = "invalid_variable_error";
    /** Anything else: a formula that divides by zero, a regular expression that ran out of time, ... */
    public static final String OTHER_ERROR = "other_error";
    /** OpenAI's python grader flags; never set by Patchwork, which runs no python graders. */
    public static final String PYTHON_GRADER_SERVER_ERROR = "python_grader_server_error";

    public static final String PYTHON_GRADER_RUNTIME_ERROR = "python_grader_runtime_error";
    /** OpenAI's model grader flags; never set by Patchwork, which runs no model graders. */
    public static final String MODEL_GRADER_SERVER_ERROR = "model_grader_server_error";

    public static final String MODEL_GRADER_REFUSAL_ERROR = "model_grader_refusal_error";
    public static final String MODEL_GRADER_PARSE_ERROR = "model_grader_parse_error";

    /** The boolean error flags of OpenAI's {@code RunGraderResponse.metadata.errors}, in its order. */
    public static final List<String> ERROR_KEYS = List.of(
            FORMULA_PARSE_ERROR,
            SAMPLE_PARSE_ERROR,
            TRUNCATED_OBSERVATION_ERROR,
            UNRESPONSIVE_REWARD_ERROR,
            INVALID_VARIABLE_ERROR,
            OTHER_ERROR,
            PYTHON_GRADER_SERVER_ERROR,
            PYTHON_GRADER_RUNTIME_ERROR,
            MODEL_GRADER_SERVER_ERROR,
            MODEL_GRADER_REFUSAL_ERROR,
            MODEL_GRADER_PARSE_ERROR);

    public Grade {
        if (!Double.isFinite(reward)) throw new IllegalArgumentException("reward must be finite, got " + reward);
        subRewards = Collections.unmodifiableMap(new LinkedHashMap<>(subRewards == null ? Map.of() : subRewards));
        Map<String, Boolean> all = new LinkedHashMap<>();
        for (String key : ERROR_KEYS) all.put(key, errors != null && Boolean.TRUE.equals(errors.get(key)));
        if (errors != null) {
            for (String key : errors.keySet()) {
                if (!all.containsKey(key)) throw new IllegalArgumentException("unknown error flag '" + key + "'");
            }
        }
        errors = Collections.unmodifiableMap(all);
    }

    /** True when any error flag is set. */
    public boolean hasError() {
        return errors.containsValue(Boolean.TRUE);
    }

    /** True when the flag {@code key} (one of {@link #ERROR_KEYS}) is set. */
    public boolean error(String key) {
        return Boolean.TRUE.equals(errors.get(key));
    }
}
