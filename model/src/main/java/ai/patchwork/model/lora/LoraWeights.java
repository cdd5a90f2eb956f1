package ai.patchwork.model.lora;

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
