package ai.patchwork.model.config;

import java.util.Arrays;
import tools.jackson.databind.JsonNode;

/** The Llama-family architectures this runtime runs; they differ only in weight names and q/k/v biases. */
public enum ModelFamily {
    LLAMA("LlamaForCausalLM", "llama"),
    MISTRAL("MistralForCausalLM", "mistral"),
    QWEN2("Qwen2ForCausalLM", "qwen2");

    private final String architecture;
    private final String modelType;

    ModelFamily(String architecture, String modelType) {
        this.architecture = architecture;
        this.modelType = modelType;
    }

    public String architecture() {
        return architecture;
    }

    public String modelType() {
        return modelType;
    }

    static ModelFamily of(JsonNode config) {
        JsonNode archs = config.path("architectures");
        String arch = archs.isArray() && !archs.isEmpty() ? archs.get(0).asString() : null;
        String type = config.path("model_type").asString(null);
        for (ModelFamily f : values()) {
            if (f.architecture.equals(arch) || (arch == null && f.modelType.equals(type))) return f;
        }
        throw new ModelFormatException("unsupported architecture " + (arch != null ? arch : type) + "; supported: "
                + Arrays.toString(
                        Arrays.stream(values()).map(ModelFamily::architecture).toArray()));
    }
}
