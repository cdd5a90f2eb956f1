package ai.patchwork.api.inference;

import ai.patchwork.api.web.ApiException;
import ai.patchwork.model.grammar.Grammar;
import ai.patchwork.model.grammar.SchemaException;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Structured outputs: OpenAI's {@code response_format} ({@code text}, {@code json_object}, {@code json_schema}) and
 * vLLM's {@code guided_json} and {@code guided_choice}, compiled to the {@link Grammar} that constrains decoding. A
 * schema keyword the compiler cannot enforce is a 400 naming it; {@code guided_regex} and {@code guided_grammar} are
 * refused.
 */
final class ResponseFormat {
    private ResponseFormat() {}

    /** The request's grammar, or null when its output is free text. */
    static Grammar grammar(GenerationFields f) {
        Unsupported.refuse("guided_regex", f.guidedRegex());
        Unsupported.refuse("guided_grammar", f.guidedGrammar());
        List<String> given = new ArrayList<>();
        Grammar format = responseFormat(f.responseFormat());
        if (format != null) given.add("response_format");
        Grammar json = present(f.guidedJson()) ? compile("guided_json", schemaOf(f.guidedJson())) : null;
        if (json != null) given.add("guided_json");
        Grammar choice = present(f.guidedChoice()) ? choice(f.guidedChoice()) : null;
        if (choice != null) given.add("guided_choice");
        if (given.size() > 1) {
            throw ApiException.badRequest(given.get(1), "invalid_value", "only one of " + given + " may be given");
        }
        return format != null ? format : json != null ? json : choice;
    }

    private static Grammar responseFormat(JsonNode format) {
        if (!present(format)) return null;
        String type = format.path("type").asString("");
        return switch (type) {
            case "text" -> null;
            case "json_object" -> Grammar.anyObject();
            case "json_schema" -> {
                JsonNode schema = format.path("json_schema").path("schema");
                if (!schema.isObject()) {
                    throw ApiException.badRequest(
                            "response_format",
                            "invalid_value",
                            "response_format of type json_schema needs json_schema.schema, a JSON schema object");
                }
                yield compile("response_format", schema);
            }
            default ->
                throw ApiException.badRequest(
                        "response_format",
                        "invalid_value",
                        "response_format.type must be text, json_object or json_schema, got '" + type + "'");
        };
    }

    private static Grammar compile(String param, JsonNode schema) {
        try {
            return Grammar.schema(schema);
        } catch (SchemaException e) {
            throw ApiException.badRequest(
                    param, "unsupported_schema", param + ": " + e.getMessage() + " (keyword '" + e.keyword() + "')");
        }
    }

    /** vLLM accepts the schema as an object or as a string holding one. */
    private static JsonNode schemaOf(JsonNode guided) {
        if (!guided.isString()) return guided;
        try {
            return JsonMapper.shared().readTree(guided.stringValue());
        } catch (RuntimeException e) {
            throw ApiException.badRequest("guided_json", "invalid_value", "guided_json is not a JSON schema");
        }
    }

    private static Grammar choice(JsonNode choices) {
        List<String> texts = new ArrayList<>();
        for (JsonNode c : choices.isArray() ? choices : List.<JsonNode>of()) {
            if (!c.isString())
                throw ApiException.badRequest("guided_choice", "invalid_value", "guided_choice takes strings");
            texts.add(c.stringValue());
        }
        try {
            return Grammar.choice(texts);
        } catch (SchemaException e) {
            throw ApiException.badRequest("guided_choice", "invalid_value", e.getMessage());
        }
    }

    private static boolean present(JsonNode node) {
        return node != null && !node.isNull();
    }
}
