package ai.patchwork.model.tokenizer;

import java.util.Objects;

/**
 * One turn of a conversation, as passed to a {@link ChatTemplate}.
 *
 * @param role who speaks, e.g. {@code "system"}, {@code "user"} or {@code "assistant"}; not blank
 * @param content what is said; not null, may be empty
 */
public record ChatMessage(String role, String content) {

    /** Validates the role and content. */
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        if (role.isBlank()) {
            throw new IllegalArgumentException("role must not be blank");
        }
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
}
