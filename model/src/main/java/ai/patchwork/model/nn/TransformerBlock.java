package ai.patchwork.model.nn;

import ai.djl.ndarray.NDArray;

/** One pre-norm decoder block: x = x + attn(norm(x)); x = x + mlp(norm(x)). */
public record TransformerBlock(RmsNorm attentionNorm, Attention attention, RmsNorm mlpNorm, Mlp mlp) {

    /** (B, T, E) → (B, T, E). */
    public NDArray forward(NDArray x, RunState step) {
        // The sublayer outputs are fresh tensors no backward pass reads, so the residual adds go in place.
        NDArray h = attention.forward(attentionNorm.forward(x), step).addi(x); // (B, T, E)
        return mlp.forward(mlpNorm.forward(h), step).addi(h); // (B, T, E)
    }
}
