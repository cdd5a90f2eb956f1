package ai.patchwork.model.tokenizer;

import java.util.Objects;

/**
 * A function call an assistant made, as OpenAI writes it in a message's {@code tool_calls}: the template sees it as
 * {@code {"id", "type": "function", "function": {"name", "arguments"}}} with the arguments parsed into an object (what
 * Hugging Face templates expect) when they are a JSON object, else as the text.
 *
 * @param id the call's id, referred to by the {@code tool} message that answers it; null when it has none (the
 *     template then sees no {@code id})
 * @param name the function's name; not blank
 * @param arguments the arguments as JSON text; not null
 */
public record ToolCall(String id, String name, String arguments) {

    /** Validates the fields. */
    public ToolCall {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arguments, "arguments");
        if (name.isBlank()) throw new IllegalArgumentException("a tool call's name must not be blank");
    }
}
