package ai.patchwork.model.config;

import java.util.Arrays;
import java.util.Locale;
import tools.jackson.databind.JsonNode;

/** The Llama-family architectures this runtime runs; they differ only in weight names and q/k/v biases. */
public enum ModelFamily {
    LLAMA,
    MISTRAL,
    QWEN2;

    /** The {@code model_type} of {@code config.json}: the family's name in lower case, e.g. {@code qwen2}. */
    public String modelType() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The name {@code config.json} lists first under {@code architectures}: Hugging Face's class name, the model type
     * capitalised with {@code ForCausalLM} after it, e.g. {@code Qwen2ForCausalLM}.
     */
    public String architecture() {
        String type = modelType();
        return Character.toUpperCase(type.charAt(0)) + type.substring(1) + "ForCausalLM";
    }

    static ModelFamily of(JsonNode config) {
        JsonNode archs = config.path("architectures");
        String arch = archs.isArray() && !archs.isEmpty() ? archs.get(0).asString() : null;
        String type = config.path("model_type").asString(null);
        for (ModelFamily f : values()) {
            if (f.architecture().equals(arch) || (arch == null && f.modelType().equals(type))) return f;
        }
        throw new ModelFormatException("unsupported architecture " + (arch != null ? arch : type) + "; supported: "
                + Arrays.toString(
                        Arrays.stream(values()).map(ModelFamily::architecture).toArray()));
    }
}
