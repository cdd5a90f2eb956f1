package ai.patchwork.model.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** Config features that change the math are either applied or refused, never silently ignored. */
class ModelConfigFeaturesTest {

    static ModelConfig parse(String arch, String extra) {
        return ModelConfig.parse(JsonMapper.shared()
                .readTree("{\"architectures\": [\"" + arch + "\"], \"hidden_size\": 64,"
                        + " \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"num_key_value_heads\": 2,"
                        + " \"intermediate_size\": 128, \"vocab_size\": 300, \"max_position_embeddings\": 256" + extra
                        + "}"));
    }

    @Test
    void biasesFollowTheFamilyAndFlags() {
        ModelConfig qwen = parse("Qwen2ForCausalLM", "");
        assertTrue(qwen.hasBias("q_proj") && qwen.hasBias("k_proj") && qwen.hasBias("v_proj"));
        assertFalse(qwen.hasBias("o_proj"));
        ModelConfig llama = parse("LlamaForCausalLM", ", \"attention_bias\": true, \"mlp_bias\": true");
        for (String m : new String[] {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}) {
            assertTrue(llama.hasBias(m), m);
        }
        assertFalse(parse("LlamaForCausalLM", "").hasBias("q_proj"));
    }

    @Test
    void slidingWindowShorterThanTheContextIsRefused() {
        var e = assertThrows(
                ModelFormatException.class, () -> parse("MistralForCausalLM", ", \"sliding_window\": 128"));
        assertEquals(
                "config.json: sliding_window 128 is shorter than max_position_embeddings 256;"
                        + " sliding-window attention is not supported",
                e.getMessage());
        // a window as long as the context changes nothing; Qwen2 only uses it when use_sliding_window is true
        parse("MistralForCausalLM", ", \"sliding_window\": 256");
        parse("MistralForCausalLM", ", \"sliding_window\": null");
        parse("Qwen2ForCausalLM", ", \"sliding_window\": 128, \"use_sliding_window\": false");
        assertThrows(
                ModelFormatException.class,
                () -> parse("Qwen2ForCausalLM", ", \"sliding_window\": 128, \"use_sliding_window\": true"));
    }

    @Test
    void activationsOtherThanSiluAreRefused() {
        var e = assertThrows(ModelFormatException.class, () -> parse("LlamaForCausalLM", ", \"hidden_act\": \"gelu\""));
        assertEquals("config.json: hidden_act 'gelu' is not supported (silu)", e.getMessage());
    }
}
