package ai.patchwork.api.inference;

import ai.patchwork.api.web.ApiException;
import ai.patchwork.model.grammar.Grammar;
import ai.patchwork.model.grammar.SchemaException;
import ai.patchwork.model.tokenizer.ChatTemplate;
import ai.patchwork.model.tokenizer.ToolCall;
import ai.patchwork.model.tools.ParsedOutput;
import ai.patchwork.model.tools.ToolCallFormat;
import ai.patchwork.model.tools.ToolFunction;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A chat request's {@code tools}, {@code tool_choice} and {@code parallel_tool_calls}: the definitions the chat
 * template renders, how this model writes a call (chosen from its template, {@link ToolCallFormat}), and, for
 * {@code required} or a named function, the grammar that forces one call whose arguments match the function's
 * parameter schema.
 *
 * @param definitions the tools as the client sent them, for the template; empty for none
 * @param format how calls are parsed from the output; null when they are not ({@code tool_choice: none}, no tools)
 * @param grammar null unless a call is forced
 * @param parallel false when {@code parallel_tool_calls} is false: only a reply's first call is reported
 */
record ChatTools(List<JsonNode> definitions, ToolCallFormat format, Grammar grammar, boolean parallel) {
    static final ChatTools NONE = new ChatTools(List.of(), null, null, true);
    /** OpenAI's limit. */
    static final int MAX_TOOLS = 128;

    private static final Set<String> TOOL_KEYS = Set.of("type", "function");
    private static final Set<String> FUNCTION_KEYS = Set.of("name", "description", "parameters", "strict");
    private static final JsonNode NO_PARAMETERS =
            JsonMapper.shared().readTree("{\"type\": \"object\", \"properties\": {}}");

    ChatTools {
        definitions = List.copyOf(definitions);
    }

    /**
     * Validates the request's tool fields against the model's chat template.
     *
     * @throws ApiException 400 naming the field at fault
     */
    static ChatTools of(ChatCompletionRequest body, ChatTemplate template) {
        Unsupported.refuse("functions", body.functions());
        Unsupported.refuse("function_call", body.functionCall());
        JsonNode tools = body.tools();
        boolean none = tools == null || tools.isNull() || (tools.isArray() && tools.isEmpty());
        if (none) {
            JsonNode choice = body.toolChoice();
            if (choice != null && !choice.isNull() && !"none".equals(choice.asString(""))) {
                throw ApiException.badRequest(
                        "tool_choice", "invalid_value", "tool_choice is only allowed when tools are given");
            }
            if (body.parallelToolCalls() != null) {
                throw ApiException.badRequest(
                        "parallel_tool_calls",
                        "invalid_value",
                        "parallel_tool_calls is only allowed when tools are given");
            }
            return NONE;
        }
        Map<String, ToolFunction> functions = functions(tools);
        List<JsonNode> definitions = tools.valueStream().toList();
        boolean parallel = !Boolean.FALSE.equals(body.parallelToolCalls());
        List<ToolFunction> forced = forced(body.toolChoice(), functions);
        if (forced == null) return new ChatTools(definitions, null, null, parallel);
        if (!template.readsTools()) {
            throw ApiException.badRequest(
                    "tools", "unsupported_parameter", "this model's chat template does not render tools");
        }
        ToolCallFormat format = ToolCallFormat.of(template.source())
                .orElseThrow(() -> ApiException.badRequest(
                        "tools",
                        "unsupported_parameter",
                        "this model's chat template writes tool calls in a form this server does not parse"
                                + " (it parses Hermes <tool_call> tags and Llama 3.1 JSON calls)"));
        if (forced.isEmpty()) return new ChatTools(definitions, format, null, parallel);
        try {
            return new ChatTools(
                    definitions,
                    format,
                    Grammar.framed(forced.stream().map(format::call).toList()),
                    parallel);
        } catch (SchemaException e) {
            throw ApiException.badRequest(
                    "tools",
                    "unsupported_schema",
                    "tools: a function's parameters cannot be enforced: " + e.getMessage() + " (keyword '" + e.keyword()
                            + "')");
        }
    }

    /** The calls a reply reports: all that parsed, or only the first when parallel calls are off. */
    List<ToolCall> calls(ParsedOutput out) {
        return parallel || out.calls().size() <= 1 ? out.calls() : out.calls().subList(0, 1);
    }

    /**
     * The functions a tool choice forces: null for {@code none}, empty for {@code auto} (none forced), every function
     * for {@code required}, the named one for {@code {"type": "function", "function": {"name": …}}}.
     */
    private static List<ToolFunction> forced(JsonNode choice, Map<String, ToolFunction> functions) {
        if (choice == null || choice.isNull()) return List.of();
        if (choice.isString()) {
            return switch (choice.stringValue()) {
                case "none" -> null;
                case "auto" -> List.of();
                case "required" -> List.copyOf(functions.values());
                default -> throw badChoice();
            };
        }
        if (!choice.isObject()
                || !"function".equals(choice.path("type").asString(""))
                || !choice.path("function").path("name").isString()) {
            throw badChoice();
        }
        String name = choice.path("function").path("name").stringValue();
        ToolFunction f = functions.get(name);
        if (f == null) {
            throw ApiException.badRequest(
                    "tool_choice", "invalid_value", "tool_choice names function '" + name + "', which is not in tools");
        }
        return List.of(f);
    }

    private static ApiException badChoice() {
        return ApiException.badRequest(
                "tool_choice",
                "invalid_value",
                "tool_choice must be none, auto, required or {\"type\": \"function\", \"function\": {\"name\": …}}");
    }

    private static Map<String, ToolFunction> functions(JsonNode tools) {
        if (!tools.isArray()) throw ApiException.badRequest("tools", "invalid_value", "tools must be a list");
        if (tools.size() > MAX_TOOLS) {
            throw ApiException.badRequest(
                    "tools", "invalid_value", "tools takes at most " + MAX_TOOLS + " tools, got " + tools.size());
        }
        Map<String, ToolFunction> out = new LinkedHashMap<>();
        for (int i = 0; i < tools.size(); i++) {
            String param = "tools[" + i + "]";
            JsonNode tool = tools.get(i);
            if (!tool.isObject() || !"function".equals(tool.path("type").asString(""))) {
                throw ApiException.badRequest(param, "invalid_value", param + " must be {\"type\": \"function\", …}");
            }
            known(tool, TOOL_KEYS, param);
            JsonNode fn = tool.path("function");
            if (!fn.isObject()) throw ApiException.badRequest(param, "invalid_value", param + ".function is required");
            known(fn, FUNCTION_KEYS, param + ".function");
            JsonNode parameters = fn.has("parameters") ? fn.get("parameters") : NO_PARAMETERS;
            ToolFunction f;
            try {
                f = new ToolFunction(fn.path("name").asString(""), parameters);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(
                        param + ".function", "invalid_value", param + ".function: " + e.getMessage());
            }
            if (out.put(f.name(), f) != null) {
                throw ApiException.badRequest(
                        param + ".function.name", "invalid_value", "two tools are named '" + f.name() + "'");
            }
        }
        return out;
    }

    private static void known(JsonNode node, Set<String> keys, String param) {
        for (String k : node.propertyNames()) {
            if (!keys.contains(k)) {
                throw ApiException.badRequest(
                        param + "." + k,
                        "unknown_parameter",
                        "Unrecognized request argument supplied: " + param + "." + k);
            }
        }
    }
}
