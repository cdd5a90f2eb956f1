package ai.patchwork.model.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The names {@code config.json} gives each family, derived from the enum's own names. */
class ModelFamilyTest {

    @Test
    void eachFamilyHasHuggingFacesArchitectureAndModelType() {
        assertEquals("LlamaForCausalLM", ModelFamily.LLAMA.architecture());
        assertEquals("llama", ModelFamily.LLAMA.modelType());
        assertEquals("MistralForCausalLM", ModelFamily.MISTRAL.architecture());
        assertEquals("mistral", ModelFamily.MISTRAL.modelType());
        assertEquals("Qwen2ForCausalLM", ModelFamily.QWEN2.architecture());
        assertEquals("qwen2", ModelFamily.QWEN2.modelType());
    }
}
