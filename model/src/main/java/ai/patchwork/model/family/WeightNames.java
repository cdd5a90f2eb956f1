package ai.patchwork.model.family;

import ai.patchwork.model.config.ModelFamily;

/**
 * Where each weight of the shared transformer blocks sits in a Hugging Face checkpoint. A model family contributes
 * nothing but this mapping: the math lives in {@code ai.patchwork.model.nn}.
 */
public interface WeightNames {

    String embedding();

    String finalNorm();

    String lmHead();

    String attentionNorm(int layer);

    String mlpNorm(int layer);

    /** A linear projection's weight, e.g. {@code model.layers.3.self_attn.q_proj.weight}. */
    String projection(int layer, String module);

    /** A linear projection's bias (Qwen2 has q/k/v biases). */
    String projectionBias(int layer, String module);

    static WeightNames of(ModelFamily family) {
        return switch (family) {
            case LLAMA, MISTRAL, QWEN2 -> new HuggingFaceLlamaNames();
        };
    }
}
