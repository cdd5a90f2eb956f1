package ai.patchwork.trainer.grader;

import tools.jackson.databind.JsonNode;

/**
 * A parsed, validated grader ({@link Graders#parse}): turns one model sample of one dataset row into a reward.
 * Implementations are immutable and thread-safe, so one instance can grade every rollout of a training run from many
 * threads at once.
 */
public interface Grader {

    /** The grader's {@code name}. */
    String name();

    /**
     * {@code string_check}, {@code text_similarity} or {@code multi} (OpenAI's), or one of Patchwork's extensions
     * {@code regex_match}, {@code json_check}, {@code numeric_check}.
     */
    String type();

    /**
     * Grades one sample. Never throws for a bad sample or row: a problem (a missing {@code item} variable, a sample
     * that is not JSON, a formula that divides by zero, ...) is recorded in {@link Grade#errors()} and usually gives 0.
     *
     * @param item the dataset row, read as {@code {{item.*}}}; null is an empty object
     * @param outputText the model's completion, read as {@code {{sample.output_text}}}; null is the empty string
     */
    Grade grade(JsonNode item, String outputText);

    /**
     * The grader in its canonical JSON form: the fields as given plus the defaults that were applied, and a
     * {@code multi} grader's {@code graders} always as a map from name to grader.
     */
    JsonNode toJson();
}
