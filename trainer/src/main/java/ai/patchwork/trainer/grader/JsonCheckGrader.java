package ai.patchwork.trainer.grader;

import java.math.BigDecimal;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Patchwork's {@code json_check}: parses the rendered {@code input} (default {@code {{sample.output_text}}}) as JSON,
 * takes the value at {@code path} ({@code answer.value}, {@code items[0].name}; see {@link JsonPath}) and compares it
 * with the rendered {@code expected}: with {@code operation} {@code eq} (the default) the reward is 1 when they are
 * equal, with {@code ne} when they differ; a missing value gives 0 either way.
 *
 * <p>Equal means: a string value equals the expected text; a number equals the expected text read as a decimal
 * ({@code 42}, {@code 42.0} and {@code "42"} all equal 42); an object or array equals the expected text parsed as JSON
 * (Jackson's tree equality: field order aside, {@code 1} and {@code 1.0} differ inside them); a boolean or null
 * equals the text {@code true}, {@code false} or {@code null}. An input wrapped in a
 * Markdown code fence (three backticks, optionally {@code json}) is read inside the fence. An input that is not
 * JSON gives 0 with {@code sample_parse_error}.
 */
final class JsonCheckGrader extends BaseGrader {
    static final String TYPE = "json_check";
    private static final Pattern FENCE = Pattern.compile("```[A-Za-z0-9_-]*\\s*\\n(.*?)\\n?\\s*```", Pattern.DOTALL);

    private final Template input;
    private final JsonPath path;
    private final Template expected;
    private final boolean equal;

    private JsonCheckGrader(
            String name, Template input, JsonPath path, Template expected, boolean equal, GraderFields f) {
        super(name, TYPE, f.json());
        this.input = input;
        this.path = path;
        this.expected = expected;
        this.equal = equal;
    }

    static Set<String> fields() {
        return Set.of("input", "path", "expected", "operation");
    }

    static JsonCheckGrader parse(GraderFields f) {
        String name = f.name();
        Template input = f.template("input", Graders.OUTPUT_TEXT);
        JsonPath path = JsonPath.parse(f.string("path", null), f.param("path"), "path");
        Template expected = f.template("expected", null);
        String operation = f.oneOf("operation", List.of("eq", "ne"), "eq");
        return new JsonCheckGrader(name, input, path, expected, operation.equals("eq"), f);
    }

    @Override
    double score(GradeContext ctx) {
        JsonNode document = parse(input.render(ctx));
        if (document == null) {
            ctx.flag(Grade.SAMPLE_PARSE_ERROR);
            return 0;
        }
        String want = expected.render(ctx);
        JsonNode value = path.find(document);
        if (value == null) return 0;
        return matches(value, want) == equal ? 1 : 0;
    }

    /** The text as JSON, or the inside of its Markdown code fence as JSON; null when neither is. */
    static JsonNode parse(String text) {
        JsonNode node = GradeContext.parseJson(text);
        if (node != null) return node;
        Matcher fence = FENCE.matcher(text.strip());
        return fence.matches() ? GradeContext.parseJson(fence.group(1)) : null;
    }

    static boolean matches(JsonNode value, String expected) {
        if (value.isString()) return value.stringValue().equals(expected);
        if (value.isNumber()) {
            try {
                return value.decimalValue().compareTo(new BigDecimal(expected.strip())) == 0;
            } catch (NumberFormatException e) {
                return false;
            }
        }
        if (value.isContainer()) {
            JsonNode parsed = GradeContext.parseJson(expected);
            return value.equals(parsed);
        }
        return value.toString().equals(expected.strip()); // true, false or null
    }
}
