package ai.patchwork.api.finetuning;

import ai.patchwork.trainer.TrainerException;
import tools.jackson.databind.JsonNode;

/** OpenAI's "a number or {@code "auto"}" fields of the create-job body, read with a 400 naming the field. */
final class AutoValue {

    private AutoValue() {}

    /** True when the field was sent with a value (not left out, not null). */
    static boolean given(JsonNode n) {
        return n != null && !n.isNull() && !n.isMissingNode();
    }

    /** The integer, or null for a field left out, null or {@code "auto"}. */
    static Integer integer(JsonNode n, String field) {
        if (!given(n) || isAuto(n)) return null;
        boolean whole = n.isIntegralNumber() || (n.isNumber() && n.asDouble() == Math.rint(n.asDouble()));
        if (!whole) {
            throw invalid(field, field + " must be an integer" + (field.startsWith("patchwork") ? "" : " or \"auto\""));
        }
        if (n.asDouble() < Integer.MIN_VALUE || n.asDouble() > Integer.MAX_VALUE) {
            throw invalid(field, field + " is out of range");
        }
        return n.asInt();
    }

    /** The number, or null for a field left out, null or {@code "auto"}. */
    static Double number(JsonNode n, String field) {
        if (!given(n) || isAuto(n)) return null;
        if (!n.isNumber()) throw invalid(field, field + " must be a number or \"auto\"");
        return n.asDouble();
    }

    private static boolean isAuto(JsonNode n) {
        return n.isString() && n.asString().equals("auto");
    }

    static TrainerException invalid(String param, String message) {
        return TrainerException.invalid(param, "invalid_request", message);
    }
}
