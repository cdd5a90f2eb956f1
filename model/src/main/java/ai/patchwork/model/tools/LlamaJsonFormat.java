package ai.patchwork.model.tools;

import ai.patchwork.model.grammar.Grammar;
import ai.patchwork.model.tokenizer.ToolCall;
import java.util.ArrayList;
import java.util.List;

/**
 * Llama 3.1/3.2/3.3's JSON form: the whole reply is {@code {"name": …, "parameters": {…}}} (optionally after
 * {@code <|python_tag|>}); several calls are separated by {@code ;}. A reply that does not start with one is text.
 */
final class LlamaJsonFormat implements ToolCallFormat {
    static final String PYTHON_TAG = "<|python_tag|>";

    @Override
    public String name() {
        return "llama3_json";
    }

    @Override
    public ParsedOutput parse(String output) {
        String body = output.strip();
        if (body.startsWith(PYTHON_TAG))
            body = body.substring(PYTHON_TAG.length()).strip();
        if (!body.startsWith("{")) return ParsedOutput.text(output);
        List<ToolCall> calls = new ArrayList<>();
        for (String part : body.split(";(?=\\s*\\{)")) {
            ToolCall call = CallJson.parse(part, "parameters");
            if (call == null) return ParsedOutput.text(output);
            calls.add(call);
        }
        return new ParsedOutput(null, calls);
    }

    @Override
    public int callStart(String text) {
        int i = 0;
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) i++;
        if (i == text.length()) return 0;
        String rest = text.substring(i);
        boolean call = rest.startsWith("{") || rest.startsWith(PYTHON_TAG) || PYTHON_TAG.startsWith(rest);
        return call ? 0 : text.length();
    }

    @Override
    public Grammar.Framed call(ToolFunction f) {
        return new Grammar.Framed("{\"name\": \"" + f.name() + "\", \"parameters\": ", f.parameters(), "}");
    }
}
