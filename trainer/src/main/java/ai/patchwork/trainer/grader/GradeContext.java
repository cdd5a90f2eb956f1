package ai.patchwork.trainer.grader;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * What one {@link Grader#grade} call sees and collects: the row ({@code item}), the sample (its text and, parsed on
 * first use, its JSON) and the error flags and sub-rewards found along the way. One per call, never shared between
 * threads; a {@code multi} grader's sub-graders share their parent's.
 */
final class GradeContext {
    private static final JsonMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final JsonNode item;
    private final String outputText;
    private JsonNode outputJson;
    private boolean outputJsonParsed;
    private final Map<String, Boolean> errors = new HashMap<>();
    private final Map<String, Double> subRewards = new LinkedHashMap<>();

    GradeContext(JsonNode item, String outputText) {
        this.item =
                item == null || item.isNull() || item.isMissingNode() ? JsonNodeFactory.instance.objectNode() : item;
        this.outputText = outputText == null ? "" : outputText;
    }

    JsonNode item() {
        return item;
    }

    String outputText() {
        return outputText;
    }

    /** {@code sample.output_json}: the sample parsed as JSON, or null (and {@code sample_parse_error}) when it is not. */
    JsonNode outputJson() {
        if (!outputJsonParsed) {
            outputJsonParsed = true;
            outputJson = parseJson(outputText);
            if (outputJson == null) flag(Grade.SAMPLE_PARSE_ERROR);
        }
        return outputJson;
    }

    void flag(String error) {
        errors.put(error, true);
    }

    void subReward(String name, double reward) {
        subRewards.put(name, reward);
    }

    Grade toGrade(double reward) {
        return new Grade(reward, subRewards, errors);
    }

    /** The text as one JSON value (nothing after it), or null when it is not JSON. */
    static JsonNode parseJson(String text) {
        if (text == null || text.isBlank()) return null;
        try {
            JsonNode node = STRICT.readTree(text);
            return node == null || node.isMissingNode() ? null : node;
        } catch (JacksonException e) {
            return null;
        }
    }
}
