package ai.patchwork.api.inference;

import ai.patchwork.api.web.ApiException;
import ai.patchwork.model.tokenizer.ChatMessage;
import ai.patchwork.model.tokenizer.ChatTemplateException;
import ai.patchwork.model.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Prompts to token ids with the base model's tokenizer. No special tokens are added to a completion prompt (token ids
 * may be given directly); chat messages go through the model's chat template with the generation prompt appended.
 */
final class Prompts {
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

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

    /** The messages rendered with the chat template, ending with the assistant's turn. */
    static int[] chat(List<ChatCompletionRequest.Message> messages, Tokenizer tokenizer) {
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
            String role = m.role().equals("developer") ? "system" : m.role(); // OpenAI's newer name for system
            turns.add(new ChatMessage(role, text(m.content(), param + ".content")));
        }
        String rendered;
        try {
            rendered = tokenizer.chatTemplate().render(turns, true);
        } catch (ChatTemplateException e) {
            throw ApiException.badRequest(
                    "messages", "invalid_value", "the model's chat template refused the messages: " + e.getMessage());
        }
        return nonEmpty(tokenizer.encode(rendered));
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
