package ai.patchwork.model.tokenizer;

import java.util.List;
import java.util.Objects;

/**
 * One turn of a conversation, as passed to a {@link ChatTemplate}.
 *
 * @param role who speaks: {@code "system"}, {@code "user"}, {@code "assistant"} or {@code "tool"}; not blank
 * @param content what is said; not null, may be empty (an assistant turn that only calls tools)
 * @param toolCalls the calls an assistant turn makes; empty for every other turn
 * @param toolCallId for a {@code tool} turn: the id of the call it answers; else null
 * @param name an optional name of the speaker (for a {@code tool} turn, the function's); null when not given
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
        if (!toolCalls.isEmpty() && !role.equals("assistant")) {
            throw new IllegalArgumentException("only an assistant turn makes tool calls, not " + role);
        }
    }

    /** A turn without tool calls or names. */
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

    /** An {@code assistant} message that calls tools, with optional text before the calls ({@code ""} for none). */
    public static ChatMessage assistant(String content, List<ToolCall> calls) {
        return new ChatMessage("assistant", content, calls, null, null);
    }

    /** A {@code tool} message: the result of the call {@code toolCallId}. */
    public static ChatMessage tool(String toolCallId, String content) {
        return new ChatMessage("tool", content, List.of(), toolCallId, null);
    }
}
