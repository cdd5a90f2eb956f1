package ai.patchwork.model.nn;

import ai.djl.ndarray.NDArray;

/** One pre-norm decoder block: x = x + attn(norm(x)); x = x + mlp(norm(x)). */
public record TransformerBlock(RmsNorm attentionNorm, Attention attention, RmsNorm mlpNorm, Mlp mlp) {

  /** (B, T, E) → (B, T, E). */
  public NDArray forward(NDArray x, Step step) {
    NDArray h = x.add(attention.forward(attentionNorm.forward(x), step)); // (B, T, E)
    return h.add(mlp.forward(mlpNorm.forward(h), step)); // (B, T, E)
  }
}
