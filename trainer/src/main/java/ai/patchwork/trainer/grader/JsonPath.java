package ai.patchwork.trainer.grader;

import ai.patchwork.trainer.TrainerException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * A path into a JSON value in the "JSON path like" syntax of OpenAI's templates: property names separated by dots,
 * each optionally followed by array indexes, e.g. {@code reference_answer.donors}, {@code items[0].name} or
 * {@code [2]}. A leading {@code $.} is allowed. Names may hold any character but {@code . [ ] { }} and whitespace.
 */
final class JsonPath {
    private static final Pattern SEGMENT = Pattern.compile("([^.\\[\\]{}\\s]*)((?:\\[\\d+])*)");
    private static final Pattern INDEX = Pattern.compile("\\[(\\d+)]");

    /** A property name or an array index. */
    private record Step(String name, int index) {}

    private final String text;
    private final List<Step> steps;

    private JsonPath(String text, List<Step> steps) {
        this.text = text;
        this.steps = steps;
    }

    /** The empty path: the value itself. */
    static final JsonPath ROOT = new JsonPath("", List.of());

    /**
     * Parses {@code text}; a syntax error is a 400 naming {@code param}.
     *
     * @param what how the message names the path, e.g. {@code "path"}
     */
    static JsonPath parse(String text, String param, String what) {
        String body = text.startsWith("$.") ? text.substring(2) : text.equals("$") ? "" : text;
        if (body.isEmpty()) return new JsonPath(text, List.of());
        List<Step> steps = new ArrayList<>();
        String[] segments = body.split("\\.", -1);
        for (int s = 0; s < segments.length; s++) {
            Matcher m = SEGMENT.matcher(segments[s]);
            boolean ok = m.matches()
                    && !(m.group(1).isEmpty() && m.group(2).isEmpty())
                    && (!m.group(1).isEmpty() || s == 0);
            if (!ok) {
                throw TrainerException.invalid(
                        param,
                        "invalid_grader",
                        what + " '" + text + "' is not a valid path: use "
                                + "names separated by dots, each optionally followed by [index], e.g. answer.items[0].name");
            }
            if (!m.group(1).isEmpty()) steps.add(new Step(m.group(1), -1));
            Matcher i = INDEX.matcher(m.group(2));
            while (i.find()) {
                try {
                    steps.add(new Step(null, Integer.parseInt(i.group(1))));
                } catch (NumberFormatException e) {
                    throw TrainerException.invalid(
                            param, "invalid_grader", what + " '" + text + "' has an index too large");
                }
            }
        }
        return new JsonPath(text, List.copyOf(steps));
    }

    /** The value at this path, or null when any step is missing. */
    JsonNode find(JsonNode root) {
        JsonNode node = root;
        for (Step step : steps) {
            if (node == null) return null;
            if (step.name() != null) node = node.isObject() ? node.get(step.name()) : null;
            else node = node.isArray() && step.index() < node.size() ? node.get(step.index()) : null;
        }
        return node == null || node.isMissingNode() ? null : node;
    }

    boolean isRoot() {
        return steps.isEmpty();
    }

    /** The first property name, or null when the path starts with an index or is empty. */
    String head() {
        return steps.isEmpty() ? null : steps.get(0).name();
    }

    /** The path without its first step. */
    JsonPath tail() {
        if (steps.isEmpty()) return this;
        return new JsonPath(text, steps.subList(1, steps.size()));
    }

    @Override
    public String toString() {
        return text;
    }
}
