package ai.patchwork.model.lora;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.nn.Projection;

/**
 * One module's LoRA pair in host memory, as PEFT stores it: A (r, in) and B (out, r), row-major; the delta is
 * s·B·A. {@link #scaledB()} folds s into B once, as vLLM's {@code optimize()} does.
 */
public record LoraWeights(
        int layer, Projection projection, int rank, int in, int out, float[] a, float[] b, float scale) {

    public LoraWeights {
        if (a.length != rank * in) throw new IllegalArgumentException("lora_A of " + projection + " must be (r, in)");
        if (b.length != out * rank) throw new IllegalArgumentException("lora_B of " + projection + " must be (out, r)");
    }

    /**
     * The module a {@code "layer.module"} key names (as {@code "3.q_proj"}) in an adapter of {@code peft} on a model
     * of {@code model}'s shape, with A (r, in) and B (out, r).
     */
    static LoraWeights of(String key, PeftConfig peft, ModelConfig model, float[] a, float[] b) {
        String[] k = key.split("\\.", 2);
        Projection p = Projection.ofModule(k[1]);
        return new LoraWeights(
                Integer.parseInt(k[0]), p, peft.rank(), p.inFeatures(model), p.outFeatures(model), a, b, (float)
                        peft.scaling());
    }

    /** s·B, (out, r). */
    public float[] scaledB() {
        float[] s = b.clone();
        for (int i = 0; i < s.length; i++) s[i] *= scale;
        return s;
    }

    public long bytes() {
        return 4L * (a.length + b.length);
    }
}
