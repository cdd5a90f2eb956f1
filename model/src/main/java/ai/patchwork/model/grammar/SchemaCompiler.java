package ai.patchwork.model.grammar;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Compiles the JSON-schema subset that constrained decoding enforces: {@code type} (one or a list), {@code properties},
 * {@code required}, {@code additionalProperties} (true or false: only the listed properties are ever written),
 * {@code items}, {@code minItems}, {@code maxItems}, {@code minLength}, {@code maxLength}, {@code enum},
 * {@code const}; annotations ({@code title}, {@code description}, …) are ignored. Any other keyword is refused with a
 * {@link SchemaException} naming it, never ignored.
 */
final class SchemaCompiler {
    static final int MAX_PROPERTIES = 64;
    static final int MAX_LITERALS = 64;
    static final int MAX_DEPTH = 32;
    private static final Set<String> ANNOTATIONS = Set.of(
            "title",
            "description",
            "$schema",
            "$id",
            "$comment",
            "examples",
            "default",
            "deprecated",
            "readOnly",
            "writeOnly");
    private static final Set<String> SUPPORTED = Set.of(
            "type",
            "properties",
            "required",
            "additionalProperties",
            "items",
            "minItems",
            "maxItems",
            "minLength",
            "maxLength",
            "enum",
            "const");

    private int depth;

    Node compile(JsonNode schema) {
        if (schema == null || !schema.isObject()) throw new SchemaException("schema", "a schema must be a JSON object");
        if (++depth > MAX_DEPTH) throw new SchemaException("schema", "schemas nest at most " + MAX_DEPTH + " levels");
        try {
            for (String k : schema.propertyNames()) {
                if (!ANNOTATIONS.contains(k) && !SUPPORTED.contains(k)) {
                    throw new SchemaException(
                            k, "the schema keyword '" + k + "' is not supported by constrained decoding");
                }
            }
            if (schema.has("const")) return literals(List.of(schema.get("const")), "const");
            if (schema.has("enum")) {
                JsonNode values = schema.get("enum");
                if (!values.isArray() || values.isEmpty())
                    throw new SchemaException("enum", "enum must be a non-empty list");
                return literals(values.valueStream().toList(), "enum");
            }
            JsonNode type = schema.get("type");
            if (type == null) return schema.has("properties") ? typed(schema, "object") : Grammar.ANY;
            if (type.isString()) return typed(schema, type.stringValue());
            if (!type.isArray() || type.isEmpty()) throw new SchemaException("type", "type must be a string or a list");
            List<Node> alternatives = new ArrayList<>();
            BitSet seen = new BitSet(256);
            for (JsonNode t : type) {
                Node n = typed(schema, t.asString(""));
                BitSet first = Grammar.firstBytes(n);
                if (first.intersects(seen)) {
                    throw new SchemaException(
                            "type",
                            "the types " + type + " cannot be told apart by their first character"
                                    + " (integer and number together are not supported)");
                }
                seen.or(first);
                alternatives.add(n);
            }
            return alternatives.size() == 1 ? alternatives.getFirst() : new Node.ChoiceNode(List.copyOf(alternatives));
        } finally {
            depth--;
        }
    }

    private Node typed(JsonNode schema, String type) {
        return switch (type) {
            case "object" -> object(schema);
            case "array" -> {
                int min = count(schema, "minItems", 0);
                int max = count(schema, "maxItems", Integer.MAX_VALUE);
                if (min > max) throw new SchemaException("minItems", "minItems is larger than maxItems");
                yield new Node.ArrayNode(schema.has("items") ? compile(schema.get("items")) : Grammar.ANY, min, max);
            }
            case "string" -> {
                int min = count(schema, "minLength", 0);
                int max = count(schema, "maxLength", Integer.MAX_VALUE);
                if (min > max) throw new SchemaException("minLength", "minLength is larger than maxLength");
                yield new Node.StringNode(min, max);
            }
            case "integer" -> new Node.NumberNode(true);
            case "number" -> new Node.NumberNode(false);
            case "boolean" -> Grammar.literals("true", "false");
            case "null" -> Grammar.literals("null");
            default -> throw new SchemaException("type", "unknown type '" + type + "'");
        };
    }

    private Node object(JsonNode schema) {
        JsonNode additional = schema.get("additionalProperties");
        if (additional != null && !additional.isBoolean()) {
            throw new SchemaException("additionalProperties", "additionalProperties must be true or false");
        }
        JsonNode props = schema.path("properties");
        if (!props.isObject() || props.isEmpty()) {
            if (schema.has("required") && !schema.get("required").isEmpty()) {
                throw new SchemaException("required", "required names properties that are not in 'properties'");
            }
            return additional != null && !additional.booleanValue()
                    ? new Node.ObjectNode(List.of())
                    : Grammar.ANY_OBJECT;
        }
        if (props.size() > MAX_PROPERTIES) {
            throw new SchemaException("properties", "at most " + MAX_PROPERTIES + " properties are supported");
        }
        Set<String> required = new HashSet<>();
        for (JsonNode r : schema.path("required")) required.add(r.asString(""));
        List<Node.Property> out = new ArrayList<>();
        for (var e : props.properties()) {
            String name = e.getKey();
            for (char c : name.toCharArray()) {
                if (c == '"' || c == '\\' || c < 0x20) {
                    throw new SchemaException(
                            "properties",
                            "property names with quotes, backslashes or control characters " + "are not supported");
                }
            }
            byte[] key = ("\"" + name + "\":").getBytes(StandardCharsets.UTF_8);
            out.add(new Node.Property(name, key, compile(e.getValue()), required.remove(name)));
        }
        if (!required.isEmpty()) {
            throw new SchemaException(
                    "required", "required names properties that are not in 'properties': " + required);
        }
        return new Node.ObjectNode(List.copyOf(out));
    }

    private static int count(JsonNode schema, String keyword, int absent) {
        JsonNode v = schema.get(keyword);
        if (v == null) return absent;
        if (!v.isIntegralNumber() || v.asLong() < 0 || v.asLong() > Integer.MAX_VALUE) {
            throw new SchemaException(keyword, keyword + " must be a non-negative integer");
        }
        return v.asInt();
    }

    private static Node literals(List<JsonNode> values, String keyword) {
        if (values.size() > MAX_LITERALS) {
            throw new SchemaException(keyword, keyword + " takes at most " + MAX_LITERALS + " values here");
        }
        List<byte[]> texts = new ArrayList<>();
        for (JsonNode v : values)
            texts.add(JsonMapper.shared().writeValueAsString(v).getBytes(StandardCharsets.UTF_8));
        return new Node.LiteralNode(List.copyOf(texts));
    }
}
