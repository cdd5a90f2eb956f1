package ai.patchwork.model.tools;

import ai.patchwork.model.tokenizer.ToolCall;
import java.util.List;

/**
 * A model's text split into what it says and the calls it makes.
 *
 * @param content the text that is not a call; null when there is none (or only whitespace)
 * @param calls the calls in order; empty when the text holds none that parse
 */
public record ParsedOutput(String content, List<ToolCall> calls) {
    public ParsedOutput {
        calls = List.copyOf(calls);
        if (content != null && content.isBlank()) content = null;
    }

    /** Text without calls. */
    static ParsedOutput text(String output) {
        return new ParsedOutput(output, List.of());
    }
}
