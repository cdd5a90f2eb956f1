package ai.patchwork.registry;

import ai.patchwork.model.config.ModelConfig;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A base model the platform was configured with: a Hugging Face model folder under an id.
 *
 * @param id the id clients use ({@code model} in requests, {@code base_model} of adapters)
 * @param path the folder holding {@code config.json}, the weights and the tokenizer
 * @param config its parsed {@code config.json}
 * @param configJson the {@code config.json} text as read
 */
public record BaseModel(String id, Path path, ModelConfig config, String configJson) {
    public BaseModel {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(configJson, "configJson");
    }
}
