package ai.patchwork.trainer.grader;

import ai.patchwork.trainer.TrainerException;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Parses OpenAI-style grader JSON ({@code method.reinforcement.grader} of a fine-tuning job, or the body of
 * {@code /v1/fine_tuning/alpha/graders/*}) into a {@link Grader}. Everything that can be checked without a sample is
 * checked here, so a grader that parses grades every sample without a configuration error.
 *
 * <p>Types: OpenAI's {@code string_check}, {@code text_similarity} and {@code multi}, and Patchwork's
 * {@code regex_match}, {@code json_check} and {@code numeric_check} for verifiable tasks. OpenAI's {@code python},
 * {@code score_model} and {@code label_model} graders need a code sandbox or a judge model, which Patchwork does not
 * have: they are refused, like unknown types, unknown or missing fields, invalid templates, patterns and formulas.
 */
public final class Graders {
    /** The grader types Patchwork runs. */
    public static final List<String> TYPES = List.of(
            StringCheckGrader.TYPE,
            TextSimilarityGrader.TYPE,
            MultiGrader.TYPE,
            RegexMatchGrader.TYPE,
            JsonCheckGrader.TYPE,
            NumericCheckGrader.TYPE);
    /** OpenAI's grader types that Patchwork refuses. */
    public static final List<String> UNSUPPORTED_TYPES = List.of("python", "score_model", "label_model");

    static final String OUTPUT_TEXT = "{{sample.output_text}}";

    /** Longest sample a grader grades ({@link BoundedGrader}); longer ones score 0 with an error flag. */
    public static final int MAX_SAMPLE_CHARS = BoundedGrader.MAX_SAMPLE_CHARS;

    private Graders() {}

    /**
     * Parses and validates a grader.
     *
     * @param grader the grader's JSON object
     * @param path the JSON path of {@code grader} in the request, which prefixes the {@code param} of every error,
     *     e.g. {@code method.reinforcement.grader} gives {@code method.reinforcement.grader.operation}; may be empty
     * @return the grader, bounded in input length and grading time ({@link BoundedGrader})
     * @throws TrainerException (invalid, 400) naming the bad field
     */
    public static Grader parse(JsonNode grader, String path) {
        return new BoundedGrader(parse(grader, path == null ? "" : path, true));
    }

    static BaseGrader parse(JsonNode node, String path, boolean allowMulti) {
        String what = path.isEmpty() ? "grader" : path;
        if (node == null || node.isNull() || node.isMissingNode()) {
            throw TrainerException.invalid(path, GraderFields.CODE, what + " is required");
        }
        if (!node.isObject()) throw TrainerException.invalid(path, GraderFields.CODE, what + " must be a JSON object");
        String typeParam = path.isEmpty() ? "type" : path + ".type";
        JsonNode typeNode = node.get("type");
        if (typeNode == null || !typeNode.isString()) {
            throw TrainerException.invalid(
                    typeParam, GraderFields.CODE, "type is required and must be one of " + String.join(", ", TYPES));
        }
        String type = typeNode.stringValue();
        if (UNSUPPORTED_TYPES.contains(type)) {
            throw TrainerException.invalid(
                    typeParam,
                    "unsupported_grader",
                    type + " graders are not supported by "
                            + "Patchwork (no sandbox/judge model); use string_check, text_similarity, multi, regex_match, json_check or "
                            + "numeric_check");
        }
        return switch (type) {
            case StringCheckGrader.TYPE ->
                StringCheckGrader.parse(fields(node, path, type, StringCheckGrader.fields()));
            case TextSimilarityGrader.TYPE ->
                TextSimilarityGrader.parse(fields(node, path, type, TextSimilarityGrader.fields()));
            case RegexMatchGrader.TYPE -> RegexMatchGrader.parse(fields(node, path, type, RegexMatchGrader.fields()));
            case JsonCheckGrader.TYPE -> JsonCheckGrader.parse(fields(node, path, type, JsonCheckGrader.fields()));
            case NumericCheckGrader.TYPE ->
                NumericCheckGrader.parse(fields(node, path, type, NumericCheckGrader.fields()));
            case MultiGrader.TYPE -> {
                if (!allowMulti) {
                    throw TrainerException.invalid(
                            typeParam, GraderFields.CODE, "a multi grader cannot contain another multi " + "grader");
                }
                yield MultiGrader.parse(fields(node, path, type, MultiGrader.fields()));
            }
            default ->
                throw TrainerException.invalid(
                        typeParam,
                        GraderFields.CODE,
                        "unknown grader type '" + type + "'; the known types are " + String.join(", ", TYPES));
        };
    }

    private static GraderFields fields(JsonNode node, String path, String type, java.util.Set<String> allowed) {
        return new GraderFields(node, path, type, allowed);
    }
}
