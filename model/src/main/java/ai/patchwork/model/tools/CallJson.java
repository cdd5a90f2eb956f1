package ai.patchwork.model.tools;

import ai.patchwork.model.tokenizer.ToolCall;
import java.util.UUID;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** One call's JSON, {@code {"name": …, "<arguments key>": {…}}}, read into a {@link ToolCall} with a fresh id. */
final class CallJson {
    private CallJson() {}

    /**
     * @param argumentsKey the key the family writes the arguments under ({@code arguments} or {@code parameters});
     *     the other is accepted too
     * @return null when the text is not one such object
     */
    static ToolCall parse(String text, String argumentsKey) {
        JsonNode call;
        try {
            call = JsonMapper.shared().readTree(text.strip());
        } catch (JacksonException e) {
            return null;
        }
        if (call == null || !call.isObject() || !call.path("name").isString()) return null;
        JsonNode args = call.has(argumentsKey) ? call.get(argumentsKey) : call.path("arguments");
        if (args.isMissingNode()) args = call.path("parameters");
        String arguments;
        if (args.isObject()) arguments = args.toString();
        else if (args.isString()) arguments = args.stringValue(); // some models write the arguments as JSON text
        else if (args.isMissingNode() || args.isNull()) arguments = "{}";
        else return null;
        String name = call.path("name").stringValue();
        if (name.isBlank()) return null;
        return new ToolCall(id(), name, arguments);
    }

    /** OpenAI's form of a call id: {@code call_} and 24 letters and digits. */
    static String id() {
        return "call_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }
}
