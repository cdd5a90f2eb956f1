package ai.patchwork.trainer.dataset;

import ai.patchwork.model.tokenizer.ChatMessage;
import ai.patchwork.model.tokenizer.ToolCall;
import java.util.List;
import java.util.Objects;

/**
 * One message of a chat example.
 *
 * @param role system, user, assistant or tool
 * @param content the text; empty for an assistant turn that only calls tools
 * @param weight 1 to train on this message, 0 not to; only assistant messages are ever trained on
 * @param toolCalls the functions an assistant turn calls (OpenAI's {@code tool_calls}, or a legacy
 *     {@code function_call}); empty otherwise
 * @param toolCallId the call a tool turn answers, or null
 * @param name the function a tool turn reports on, or null
 */
public record Turn(String role, String content, int weight, List<ToolCall> toolCalls, String toolCallId, String name) {

    public Turn {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        if (weight != 0 && weight != 1) throw new IllegalArgumentException("weight must be 0 or 1");
        if (!toolCalls.isEmpty() && !role.equals("assistant")) {
            throw new IllegalArgumentException("only assistant turns call tools");
        }
    }

    /** A turn that calls no tools. */
    public Turn(String role, String content, int weight) {
        this(role, content, weight, List.of(), null, null);
    }

    public boolean trained() {
        return weight == 1 && role.equals("assistant");
    }

    /** The same turn with another weight. */
    public Turn withWeight(int weight) {
        return new Turn(role, content, weight, toolCalls, toolCallId, name);
    }

    /** The message the chat template renders. */
    public ChatMessage message() {
        return new ChatMessage(role, content, toolCalls, toolCallId, name);
    }
}
