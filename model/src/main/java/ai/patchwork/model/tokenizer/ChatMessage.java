package ai.patchwork.model.tokenizer;

import java.util.List;
import java.util.Objects;

/**
 * One turn of a conversation, as passed to a {@link ChatTemplate}.
 *
 * @param role who speaks, e.g. {@code "system"}, {@code "user"}, {@code "assistant"} or {@code "tool"}; not blank
 * @param content what is said; not null, may be empty (an assistant turn that only calls tools)
 * @param toolCalls the functions an assistant turn calls, in order; empty for other turns
 * @param toolCallId the call a {@code tool} turn answers, or null
 * @param name the function a {@code tool} turn reports on, or null
 */
public record ChatMessage(String role, String content, List<ToolCall> toolCalls, String toolCallId, String name) {

    /** Validates the role and content. */
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        if (role.isBlank()) {
            throw new IllegalArgumentException("role must not be blank");
        }
    }

    /** A turn without tool calls. */
    public ChatMessage(String role, String content) {
        this(role, content, List.of(), null, null);
    }

    /** A {@code system} message. */
    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    /** A {@code user} message. */
    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    /** An {@code assistant} message. */
    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }

    /**
     * One function call of an assistant turn, as OpenAI's {@code tool_calls[i]}.
     *
     * @param id the call's id, or null
     * @param name the function's name; not blank
     * @param arguments the arguments as JSON text (an object), as OpenAI sends them
     */
    public record ToolCall(String id, String name, String arguments) {

        /** Validates the name and arguments. */
        public ToolCall {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(arguments, "arguments");
            if (name.isBlank()) throw new IllegalArgumentException("name must not be blank");
        }
    }
}
