package ai.patchwork.model.config;

import java.util.Arrays;
import java.util.Locale;
import tools.jackson.databind.JsonNode;

/** The Llama-family architectures this runtime runs; they differ only in weight names and q/k/v biases. */
public enum ModelFamily {
    LLAMA("LlamaForCausalLM"),
    MISTRAL("MistralForCausalLM"),
    QWEN2("Qwen2ForCausalLM");

    private static final String CAUSAL_LM = "ForCausalLM";

    private final String architecture;

    ModelFamily(String architecture) {
        this.architecture = architecture;
    }

    /** The name {@code config.json} lists first under {@code architectures}, e.g. {@code Qwen2ForCausalLM}. */
    public String architecture() {
        return architecture;
    }

    /** The {@code model_type} of {@code config.json}: the architecture's model name in lower case, e.g. {@code qwen2}. */
    public String modelType() {
        return architecture
                .substring(0, architecture.length() - CAUSAL_LM.length())
                .toLowerCase(Locale.ROOT);
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
