package ai.patchwork.api.inference;

import ai.patchwork.api.web.ApiException;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a request body into its record strictly: a field the record does not name, at the top or inside a nested
 * record (a message, {@code stream_options}), is a 400 in OpenAI's envelope naming it, rather than dropped as the
 * application's JSON settings would. Names are the records' components in snake_case; {@link JsonUnwrapped} components
 * lend their own.
 */
final class RequestBodies {
    /** Per record type: its wire names and, for nested records, the record each holds (a list's element record). */
    private static final Map<Class<?>, Map<String, Class<?>>> FIELDS = new ConcurrentHashMap<>();

    private RequestBodies() {}

    /**
     * @throws ApiException 400 for a body that is not an object, an unknown field, or a value of the wrong type
     */
    static <T extends Record> T read(JsonMapper json, JsonNode body, Class<T> type) {
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest(null, "invalid_value", "the request body must be a JSON object");
        }
        refuseUnknown(body, type, "");
        try {
            return json.treeToValue(body, type);
        } catch (JacksonException e) {
            String param = e.getPath().isEmpty() ? null : e.getPath().getLast().getPropertyName();
            throw ApiException.badRequest(
                    param,
                    "invalid_value",
                    param == null
                            ? "the request body is not valid for this endpoint"
                            : "'" + param + "' has the wrong type");
        }
    }

    private static void refuseUnknown(JsonNode node, Class<?> type, String path) {
        Map<String, Class<?>> fields = FIELDS.computeIfAbsent(type, RequestBodies::fieldsOf);
        for (var e : node.properties()) {
            String param = path + e.getKey();
            if (!fields.containsKey(e.getKey())) {
                throw ApiException.badRequest(
                        param, "unknown_parameter", "Unrecognized request argument supplied: " + param);
            }
            Class<?> nested = fields.get(e.getKey());
            if (nested == null) continue;
            JsonNode value = e.getValue();
            if (value.isObject()) refuseUnknown(value, nested, param + ".");
            for (int i = 0; value.isArray() && i < value.size(); i++) {
                if (value.get(i).isObject()) refuseUnknown(value.get(i), nested, param + "[" + i + "].");
            }
        }
    }

    private static Map<String, Class<?>> fieldsOf(Class<?> type) {
        Map<String, Class<?>> out = new HashMap<>();
        for (RecordComponent c : type.getRecordComponents()) {
            if (c.getAccessor().isAnnotationPresent(JsonUnwrapped.class)) { // the annotation lands on the accessor
                out.putAll(fieldsOf(c.getType()));
                continue;
            }
            out.put(snakeCase(c.getName()), nestedRecord(c.getGenericType()));
        }
        return Collections.unmodifiableMap(out); // null values: fields that hold no record
    }

    /** {@code maxTokens} as the application's naming strategy writes it: {@code max_tokens}. */
    private static String snakeCase(String name) {
        StringBuilder out = new StringBuilder();
        for (char c : name.toCharArray()) {
            if (Character.isUpperCase(c)) out.append('_').append(Character.toLowerCase(c));
            else out.append(c);
        }
        return out.toString();
    }

    /** The record a component holds, directly or as a list's elements; else null. */
    private static Class<?> nestedRecord(Type type) {
        if (type instanceof Class<?> k) return k.isRecord() ? k : null;
        if (type instanceof ParameterizedType p && p.getActualTypeArguments().length == 1) {
            return nestedRecord(p.getActualTypeArguments()[0]);
        }
        return null;
    }
}
