package ai.patchwork.api.inference;

import ai.patchwork.api.web.ApiException;
import ai.patchwork.model.tokenizer.ChatMessage;
import ai.patchwork.model.tokenizer.ChatTemplateException;
import ai.patchwork.model.tokenizer.Tokenizer;
import ai.patchwork.model.tokenizer.ToolCall;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Prompts to token ids with the base model's tokenizer. No special tokens are added to a completion prompt (token ids
 * may be given directly); chat messages (assistant tool calls and tool results included) and tools go through the
 * model's chat template with the generation prompt appended.
 */
final class Prompts {
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");
    private static final Set<String> TOOL_CALL_KEYS = Set.of("id", "type", "function");

    private Prompts() {}

    /** {@code prompt} of a completion: a string, token ids, or a one-element list of either. */
    static int[] completion(JsonNode prompt, Tokenizer tokenizer) {
        if (prompt == null || prompt.isNull() || prompt.isMissingNode()) {
            throw ApiException.badRequest("prompt", "missing_required_parameter", "prompt is required");
        }
        if (prompt.isString()) return nonEmpty(tokenizer.encode(prompt.stringValue()));
        if (prompt.isArray()
                && prompt.size() == 1
                && (prompt.get(0).isString() || prompt.get(0).isArray())) {
            return completion(prompt.get(0), tokenizer);
        }
        if (prompt.isArray() && !prompt.isEmpty() && prompt.valueStream().allMatch(JsonNode::isIntegralNumber)) {
            int[] ids = new int[prompt.size()];
            for (int i = 0; i < ids.length; i++) {
                JsonNode id = prompt.get(i);
                if (!id.canConvertToInt() || id.intValue() < 0) {
                    throw ApiException.badRequest(
                            "prompt", "invalid_value", "token ids must be non-negative integers, got " + id);
                }
                ids[i] = id.intValue();
            }
            return ids;
        }
        throw ApiException.badRequest(
                "prompt",
                "invalid_value",
                "prompt must be a string, a list of token ids, or a list "
                        + "holding exactly one of either (one prompt per request)");
    }

    /** Most messages in one request (OpenAI's own limit). */
    static final int MAX_MESSAGES = 2048;

    /** The messages and tools rendered with the chat template, ending with the assistant's turn. */
    static int[] chat(List<ChatCompletionRequest.Message> messages, List<JsonNode> tools, Tokenizer tokenizer) {
        if (messages == null || messages.isEmpty()) {
            throw ApiException.badRequest(
                    "messages", "missing_required_parameter", "messages must hold at least one message");
        }
        if (messages.size() > MAX_MESSAGES) {
            throw ApiException.badRequest(
                    "messages",
                    "invalid_value",
                    "messages holds " + messages.size() + " messages; at most " + MAX_MESSAGES + " are accepted");
        }
        List<ChatMessage> turns = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            ChatCompletionRequest.Message m = messages.get(i);
            String param = "messages[" + i + "]";
            if (m == null || m.role() == null || !ROLES.contains(m.role())) {
                throw ApiException.badRequest(
                        param + ".role", "invalid_value", param + ".role must be one of " + ROLES);
            }
            turns.add(turn(m, param));
        }
        String rendered;
        try {
            rendered = tokenizer.chatTemplate().render(turns, tools, true);
        } catch (ChatTemplateException e) {
            throw ApiException.badRequest(
                    "messages", "invalid_value", "the model's chat template refused the messages: " + e.getMessage());
        }
        return nonEmpty(tokenizer.encode(rendered));
    }

    private static ChatMessage turn(ChatCompletionRequest.Message m, String param) {
        String role = m.role().equals("developer") ? "system" : m.role(); // OpenAI's newer name for system
        String content = text(m.content(), param + ".content");
        List<ToolCall> calls = new ArrayList<>();
        List<JsonNode> given = m.toolCalls() == null ? List.of() : m.toolCalls();
        if (!given.isEmpty() && !role.equals("assistant")) {
            throw ApiException.badRequest(
                    param + ".tool_calls", "invalid_value", "only assistant messages have tool_calls");
        }
        for (int j = 0; j < given.size(); j++) calls.add(call(given.get(j), param + ".tool_calls[" + j + "]"));
        if (role.equals("tool") && (m.toolCallId() == null || m.toolCallId().isEmpty())) {
            throw ApiException.badRequest(
                    param + ".tool_call_id", "missing_required_parameter", "a tool message needs tool_call_id");
        }
        if (!role.equals("tool") && m.toolCallId() != null) {
            throw ApiException.badRequest(
                    param + ".tool_call_id", "invalid_value", "only tool messages have tool_call_id");
        }
        return new ChatMessage(role, content, calls, m.toolCallId(), m.name());
    }

    /** An earlier call in the history: {@code {"id", "type": "function", "function": {"name", "arguments"}}}. */
    private static ToolCall call(JsonNode call, String param) {
        JsonNode fn = call.path("function");
        boolean valid = call.isObject()
                && call.path("id").isString()
                && "function".equals(call.path("type").asString("function"))
                && fn.path("name").isString()
                && !fn.path("name").stringValue().isBlank()
                && (fn.path("arguments").isString() || fn.path("arguments").isObject());
        for (String k : call.propertyNames()) valid &= TOOL_CALL_KEYS.contains(k);
        for (String k : fn.propertyNames()) valid &= k.equals("name") || k.equals("arguments");
        if (!valid) {
            throw ApiException.badRequest(
                    param,
                    "invalid_value",
                    param + " must be {\"id\", \"type\": \"function\", \"function\": {\"name\", \"arguments\"}}");
        }
        JsonNode args = fn.get("arguments");
        return new ToolCall(
                call.path("id").stringValue(),
                fn.path("name").stringValue(),
                args.isString() ? args.stringValue() : args.toString());
    }

    private static String text(JsonNode content, String param) {
        if (content == null || content.isNull()) return "";
        if (content.isString()) return content.stringValue();
        if (content.isArray()) {
            StringBuilder out = new StringBuilder();
            for (JsonNode part : content) {
                if (!"text".equals(part.path("type").asString(""))
                        || !part.path("text").isString()) {
                    throw ApiException.badRequest(
                            param,
                            "unsupported_content",
                            param + ": only text parts "
                                    + "({\"type\": \"text\", \"text\": …}) are supported by this server");
                }
                out.append(part.path("text").stringValue());
            }
            return out.toString();
        }
        throw ApiException.badRequest(param, "invalid_value", param + " must be a string or a list of text parts");
    }

    private static int[] nonEmpty(int[] ids) {
        if (ids.length == 0) throw ApiException.badRequest("prompt", "invalid_value", "the prompt is empty");
        return ids;
    }
}
