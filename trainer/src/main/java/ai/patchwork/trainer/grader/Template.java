package ai.patchwork.trainer.grader;

import ai.patchwork.trainer.TrainerException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * A grader string with {@code {{ namespace.variable }}} placeholders, as in OpenAI's graders: {@code item} is the
 * dataset row ({@code {{ item.answer }}}, {@code {{item.a.b}}}, {@code {{ item.list[0].c }}}, or {@code {{ item }}}
 * for the whole row as JSON) and {@code sample} the model's output: {@code {{ sample.output_text }}} and
 * {@code {{ sample.output_json.field }}} (the output parsed as JSON).
 *
 * <p>What can be checked without a row is checked when the grader is parsed: an unknown namespace or a sample
 * variable Patchwork does not produce ({@code output_tools}, {@code choices}, {@code output_audio}: samples are plain
 * text) is a 400. At grading time a row variable that is missing renders as the empty string and sets
 * {@code invalid_variable_error}; {@code sample.output_json} of a sample that is not JSON renders as the empty string
 * and sets {@code sample_parse_error}. Strings render as their text, JSON {@code null} as the empty string, numbers
 * and booleans as their JSON text, objects and arrays as compact JSON. Opening braces with no closing pair are
 * plain text.
 */
final class Template {
    private static final Pattern VARIABLE = Pattern.compile("\\{\\{(.*?)}}", Pattern.DOTALL);
    private static final Pattern NAMESPACE = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)(.*)", Pattern.DOTALL);

    private sealed interface Part permits Literal, Variable {}

    private record Literal(String text) implements Part {}

    /** {@code sample} is false for {@code item.*}; for the sample, {@code path} starts after {@code output_json}. */
    private record Variable(boolean sample, boolean outputText, JsonPath path) implements Part {}

    private final String source;
    private final List<Part> parts;

    private Template(String source, List<Part> parts) {
        this.source = source;
        this.parts = parts;
    }

    /** Longest template accepted: templates name fields, they are not data. */
    static final int MAX_CHARS = 4096;

    /** Parses {@code text}; a placeholder that can never render, or a template over {@value #MAX_CHARS}, is a 400. */
    static Template parse(String text, String param) {
        if (text.length() > MAX_CHARS) {
            throw TrainerException.invalid(
                    param,
                    GraderFields.CODE,
                    param + " is a template of " + text.length() + " characters; at most " + MAX_CHARS
                            + " are accepted");
        }
        List<Part> parts = new ArrayList<>();
        Matcher m = VARIABLE.matcher(text);
        int at = 0;
        while (m.find()) {
            if (m.start() > at) parts.add(new Literal(text.substring(at, m.start())));
            parts.add(variable(m.group(1).strip(), m.group(), param));
            at = m.end();
        }
        if (at < text.length()) parts.add(new Literal(text.substring(at)));
        return new Template(text, List.copyOf(parts));
    }

    private static Variable variable(String inner, String placeholder, String param) {
        Matcher m = NAMESPACE.matcher(inner);
        if (!m.matches())
            throw invalid(
                    param,
                    "'" + placeholder + "' names no variable; use {{ item.<field> }} or " + "{{ sample.output_text }}");
        String namespace = m.group(1);
        String rest = m.group(2).startsWith(".") ? m.group(2).substring(1) : m.group(2);
        if (m.group(2).startsWith(".") && rest.isEmpty()) throw invalid(param, "'" + placeholder + "' ends with a dot");
        JsonPath path = rest.isEmpty() ? JsonPath.ROOT : JsonPath.parse(rest, param, "'" + placeholder + "'");
        switch (namespace) {
            case "item" -> {
                return new Variable(false, false, path);
            }
            case "sample" -> {
                String head = path.head();
                if ("output_text".equals(head) && path.tail().isRoot()) return new Variable(true, true, JsonPath.ROOT);
                if ("output_json".equals(head)) return new Variable(true, false, path.tail());
                if ("output_text".equals(head))
                    throw invalid(
                            param,
                            "'" + placeholder + "': sample.output_text is a string "
                                    + "and has no fields; use sample.output_json.<field> to read the output as JSON");
                if (head != null
                        && List.of("output_tools", "choices", "output_audio").contains(head)) {
                    throw invalid(
                            param,
                            "'" + placeholder + "': sample." + head + " is not available in Patchwork, whose "
                                    + "samples are plain text; use sample.output_text or sample.output_json");
                }
                throw invalid(
                        param,
                        "'" + placeholder + "' is not a sample variable; use sample.output_text or "
                                + "sample.output_json");
            }
            default ->
                throw invalid(
                        param,
                        "'" + placeholder + "' uses the namespace '" + namespace + "'; the only "
                                + "namespaces are item (the dataset row) and sample (the model's output)");
        }
    }

    /** The text with every placeholder replaced; problems are flagged in {@code ctx}. */
    String render(GradeContext ctx) {
        if (parts.size() == 1 && parts.get(0) instanceof Literal l) return l.text();
        StringBuilder out = new StringBuilder();
        for (Part part : parts) {
            switch (part) {
                case Literal l -> out.append(l.text());
                case Variable v -> out.append(value(v, ctx));
            }
        }
        return out.toString();
    }

    private static String value(Variable v, GradeContext ctx) {
        if (v.outputText()) return ctx.outputText();
        JsonNode root = v.sample() ? ctx.outputJson() : ctx.item();
        if (root == null) return ""; // the sample is not JSON: sample_parse_error is already set
        JsonNode node = v.path().find(root);
        if (node == null) {
            ctx.flag(Grade.INVALID_VARIABLE_ERROR);
            return "";
        }
        return text(node);
    }

    /** How a JSON value is written into a rendered string. */
    static String text(JsonNode node) {
        if (node.isString()) return node.stringValue();
        if (node.isNull()) return "";
        if (node.isValueNode()) return node.asString();
        return node.toString();
    }

    /** True when the text has no placeholder, so it renders the same for every sample. */
    boolean isConstant() {
        return parts.stream().noneMatch(p -> p instanceof Variable);
    }

    /** The text as given. */
    String source() {
        return source;
    }

    private static TrainerException invalid(String param, String message) {
        return TrainerException.invalid(param, "invalid_grader", "template variable " + message);
    }
}
