package ai.patchwork.model.tools;

import ai.patchwork.model.grammar.Grammar;
import ai.patchwork.model.tokenizer.ToolCall;
import java.util.ArrayList;
import java.util.List;

/**
 * Hermes' form (Qwen2.5, Qwen3, Hermes 2 and 3): each call is {@code <tool_call>{"name": …, "arguments": {…}}
 * </tool_call>}, with optional text before the first (that and any text after the last are the content). A last call
 * whose closing tag never came is still a call when its JSON is complete.
 */
final class HermesFormat implements ToolCallFormat {
    static final String OPEN = "<tool_call>";
    static final String CLOSE = "</tool_call>";

    @Override
    public String name() {
        return "hermes";
    }

    @Override
    public ParsedOutput parse(String output) {
        int first = output.indexOf(OPEN);
        if (first < 0) return ParsedOutput.text(output);
        List<ToolCall> calls = new ArrayList<>();
        String after = "";
        for (int at = first; at >= 0; ) {
            int end = output.indexOf(CLOSE, at);
            String body = output.substring(at + OPEN.length(), end < 0 ? output.length() : end);
            ToolCall call = CallJson.parse(body, "arguments");
            if (call == null) return ParsedOutput.text(output);
            calls.add(call);
            if (end < 0) break;
            at = output.indexOf(OPEN, end);
            if (at < 0) after = output.substring(end + CLOSE.length());
        }
        return new ParsedOutput(output.substring(0, first) + after.strip(), calls);
    }

    @Override
    public int callStart(String text) {
        int open = text.indexOf(OPEN);
        if (open >= 0) return open;
        for (int k = Math.min(OPEN.length() - 1, text.length()); k > 0; k--) {
            if (OPEN.startsWith(text.substring(text.length() - k))) return text.length() - k;
        }
        return text.length();
    }

    @Override
    public Grammar.Framed call(ToolFunction f) {
        return new Grammar.Framed(
                OPEN + "\n{\"name\": \"" + f.name() + "\", \"arguments\": ", f.parameters(), "}\n" + CLOSE);
    }
}
