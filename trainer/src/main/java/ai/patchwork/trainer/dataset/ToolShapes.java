package ai.patchwork.trainer.dataset;

import ai.patchwork.model.tokenizer.ToolCall;
import ai.patchwork.trainer.dataset.JsonlParser.LineException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The tool-calling fields of a chat line, checked the way OpenAI's chat API checks them: the line's {@code tools} (or
 * the legacy {@code functions}, which become tools), an assistant message's {@code tool_calls} (or the legacy
 * {@code function_call}, which becomes one call), and the rule that a tool message answers a call of the assistant
 * message before it.
 */
final class ToolShapes {

    /** OpenAI's limit on the tools of one request. */
    static final int MAX_TOOLS = 128;

    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    private ToolShapes() {}

    /**
     * The tools of a line: {@code tools}, or {@code functions} each wrapped as {@code {"type": "function",
     * "function": f}}; empty when it has neither.
     *
     * @param at the prefix of the fields' names in messages, e.g. {@code ""} or {@code "input."}
     */
    static List<Map<String, Object>> tools(JsonNode node, String at) {
        JsonNode tools = present(node.get("tools"));
        JsonNode functions = present(node.get("functions"));
        if (tools != null && functions != null) {
            throw new LineException("has both \"" + at + "tools\" and the legacy \"" + at + "functions\"; use tools");
        }
        String key = at + (tools != null ? "tools" : "functions");
        JsonNode list = tools != null ? tools : functions;
        if (list == null) return List.of();
        if (!list.isArray()) throw new LineException("\"" + key + "\" must be an array");
        if (list.size() > MAX_TOOLS) {
            throw new LineException("\"" + key + "\" has " + list.size() + " entries; at most " + MAX_TOOLS);
        }
        List<Map<String, Object>> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String where = key + "[" + i + "]";
            JsonNode entry = list.get(i);
            if (!entry.isObject()) throw new LineException(where + " is not an object");
            JsonNode function = entry;
            if (tools != null) {
                if (!"function".equals(entry.path("type").asString(""))) {
                    throw new LineException(where + ".type must be \"function\"");
                }
                function = entry.get("function");
                where += ".function";
                if (function == null || !function.isObject()) throw new LineException(where + " must be an object");
            }
            String name = name(function.get("name"), where + ".name");
            if (!names.add(name)) throw new LineException(where + ".name '" + name + "' is declared twice");
            JsonNode description = present(function.get("description"));
            if (description != null && !description.isString()) {
                throw new LineException(where + ".description must be a string");
            }
            JsonNode parameters = present(function.get("parameters"));
            if (parameters != null && !parameters.isObject()) {
                throw new LineException(where + ".parameters must be a JSON schema object");
            }
            Map<String, Object> tool = new LinkedHashMap<>();
            tool.put("type", "function");
            tool.put("function", value(function));
            out.add(tool);
        }
        return out;
    }

    /**
     * The calls of an assistant message: {@code tool_calls}, or {@code function_call} as one call without an id;
     * empty when it has neither.
     */
    static List<ToolCall> calls(JsonNode message, String at) {
        JsonNode calls = present(message.get("tool_calls"));
        JsonNode legacy = present(message.get("function_call"));
        if (calls != null && legacy != null) {
            throw new LineException(at + " has both \"tool_calls\" and the legacy \"function_call\"");
        }
        if (legacy != null) return List.of(call(null, legacy, at + ".function_call"));
        if (calls == null) return List.of();
        if (!calls.isArray()) throw new LineException(at + ".tool_calls must be an array");
        List<ToolCall> out = new ArrayList<>();
        for (int j = 0; j < calls.size(); j++) {
            String where = at + ".tool_calls[" + j + "]";
            JsonNode call = calls.get(j);
            if (!call.isObject()) throw new LineException(where + " is not an object");
            JsonNode type = present(call.get("type"));
            if (type != null && !"function".equals(type.asString(""))) {
                throw new LineException(where + ".type must be \"function\"");
            }
            JsonNode id = present(call.get("id"));
            if (id != null && (!id.isString() || id.asString().isBlank())) {
                throw new LineException(where + ".id must be a non-empty string");
            }
            JsonNode function = call.get("function");
            if (function == null || !function.isObject()) {
                throw new LineException(where + ".function must be an object with \"name\" and \"arguments\"");
            }
            out.add(call(id == null ? null : id.asString(), function, where + ".function"));
        }
        return out;
    }

    /**
     * Checks that every tool message answers a call of the assistant message before it (by {@code tool_call_id},
     * when it has one) and, when the line declares tools, that every call names one of them.
     *
     * @param messages the name of the messages' array in errors, e.g. {@code "messages"}
     */
    static void checkConversation(List<Turn> turns, List<Map<String, Object>> tools, String messages) {
        Set<String> declared = new HashSet<>();
        for (Map<String, Object> tool : tools) declared.add((String) ((Map<?, ?>) tool.get("function")).get("name"));
        Turn caller = null;
        for (int i = 0; i < turns.size(); i++) {
            Turn t = turns.get(i);
            String at = messages + "[" + i + "]";
            if (!t.role().equals("tool")) {
                caller = t.toolCalls().isEmpty() ? null : t;
                for (ToolCall call : t.toolCalls()) {
                    if (!declared.isEmpty() && !declared.contains(call.name())) {
                        throw new LineException(at + " calls '" + call.name() + "', which is not in \"tools\"");
                    }
                }
                continue;
            }
            if (caller == null) {
                throw new LineException(at + ": a tool message must follow an assistant message with tool_calls");
            }
            String id = t.toolCallId();
            if (id != null && caller.toolCalls().stream().noneMatch(c -> id.equals(c.id()))) {
                throw new LineException(
                        at + ": tool_call_id '" + id + "' matches no call of the assistant message " + "before it");
            }
        }
    }

    private static ToolCall call(String id, JsonNode function, String at) {
        String name = name(function.get("name"), at + ".name");
        JsonNode arguments = function.get("arguments");
        String json;
        if (arguments != null && arguments.isObject()) {
            json = arguments.toString();
        } else if (arguments != null && arguments.isString()) {
            json = arguments.asString();
            JsonNode parsed;
            try {
                parsed = JsonMapper.shared().readTree(json);
            } catch (JacksonException e) {
                throw new LineException(at + ".arguments is not valid JSON");
            }
            if (parsed == null || !parsed.isObject()) throw new LineException(at + ".arguments is not a JSON object");
        } else {
            throw new LineException(at + ".arguments must be a string holding a JSON object");
        }
        return new ToolCall(id, name, json);
    }

    private static String name(JsonNode name, String at) {
        if (name == null || !name.isString()) throw new LineException(at + " must be a string");
        if (!NAME.matcher(name.asString()).matches()) {
            throw new LineException(at + " '" + name.asString() + "' must be 1 to 64 letters, digits, _ or -");
        }
        return name.asString();
    }

    /** The node, or null when it is missing or JSON null. */
    static JsonNode present(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() ? null : node;
    }

    private static Object value(JsonNode node) {
        return JsonMapper.shared().convertValue(node, Object.class);
    }
}
