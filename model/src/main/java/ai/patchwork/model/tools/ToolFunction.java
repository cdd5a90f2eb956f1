package ai.patchwork.model.tools;

import java.util.Objects;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * A function a model may call, as OpenAI's {@code tools[].function} gives it.
 *
 * @param name 1 to 64 letters, digits, underscores and dashes (OpenAI's rule; it also keeps the name safe to write
 *     inside a JSON string)
 * @param parameters the JSON schema of the arguments object
 */
public record ToolFunction(String name, JsonNode parameters) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** Validates the name and that the parameters are a schema object. */
    public ToolFunction {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(parameters, "parameters");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "a function name is 1 to 64 letters, digits, underscores or dashes, got '" + name + "'");
        }
        if (!parameters.isObject()) throw new IllegalArgumentException("parameters must be a JSON schema object");
    }
}
