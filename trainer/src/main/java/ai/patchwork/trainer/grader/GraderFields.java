package ai.patchwork.trainer.grader;

import ai.patchwork.trainer.TrainerException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads one grader object's fields, every problem a 400 whose {@code param} is the field's JSON path ({@code path}
 * + "." + field); and builds the grader's canonical JSON along the way ({@link #json()}), the fields in the order
 * they were read.
 */
final class GraderFields {
    static final String CODE = "invalid_grader";

    private final JsonNode node;
    private final String path;
    private final String type;
    private final ObjectNode json = JsonNodeFactory.instance.objectNode();

    /** Checks that {@code node} has no field outside {@code allowed} (besides type and name). */
    GraderFields(JsonNode node, String path, String type, Set<String> allowed) {
        this.node = node;
        this.path = path;
        this.type = type;
        Set<String> known = new LinkedHashSet<>(List.of("type", "name"));
        known.addAll(allowed);
        for (String field : node.propertyNames()) {
            if (!known.contains(field)) {
                throw invalid(
                        field,
                        "unknown field '" + field + "' in a " + type + " grader; its fields are "
                                + String.join(", ", known));
            }
        }
        json.put("type", type);
    }

    /** {@code path.field}: the param of an error about {@code field}. */
    String param(String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    String path() {
        return path;
    }

    TrainerException invalid(String field, String message) {
        return TrainerException.invalid(field == null ? path : param(field), CODE, message);
    }

    /** The required, non-blank {@code name}. */
    String name() {
        String name = string("name", null);
        if (name.isBlank()) throw invalid("name", "name must not be blank");
        return name;
    }

    /** A string field; {@code fallback} when absent or null, and required when {@code fallback} is null. */
    String string(String field, String fallback) {
        JsonNode value = node.get(field);
        String result;
        if (value == null || value.isNull()) {
            if (fallback == null) throw invalid(field, field + " is required for a " + type + " grader");
            result = fallback;
        } else if (!value.isString()) {
            throw invalid(field, field + " must be a string");
        } else {
            result = value.stringValue();
        }
        json.put(field, result);
        return result;
    }

    /** A template field (see {@link Template}); required when {@code fallback} is null. */
    Template template(String field, String fallback) {
        return Template.parse(string(field, fallback), param(field));
    }

    /** A string field that must be one of {@code values}; required when {@code fallback} is null. */
    String oneOf(String field, List<String> values, String fallback) {
        String value = string(field, fallback);
        if (!values.contains(value)) {
            throw invalid(field, field + " must be one of " + String.join(", ", values) + ", got '" + value + "'");
        }
        return value;
    }

    /** An optional number of at least {@code min}; null when absent and {@code fallback} is null. */
    Double number(String field, Double fallback, double min) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (fallback != null) json.put(field, fallback);
            return fallback;
        }
        if (!value.isNumber() || !Double.isFinite(value.doubleValue()))
            throw invalid(field, field + " must be a number");
        if (value.doubleValue() < min) throw invalid(field, field + " must be at least " + min + ", got " + value);
        json.put(field, value.doubleValue());
        return value.doubleValue();
    }

    /** The raw value of a field (null when absent), not copied into {@link #json()}. */
    JsonNode raw(String field) {
        JsonNode value = node.get(field);
        return value == null || value.isMissingNode() ? null : value;
    }

    /** The grader's canonical JSON as read so far. */
    ObjectNode json() {
        return json;
    }
}
