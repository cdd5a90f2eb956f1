package ai.patchwork.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/**
 * Next-token cross-entropy with a per-token weight: position t predicts token t+1, and only tokens with a positive
 * weight (assistant turns, per-message {@code weight}) count. mean = Σ w·(−log p(target)) / Σ w.
 */
public final class CausalLmLoss {
    private CausalLmLoss() {}

    /**
     * @param logits (B, T, V)
     * @param ids (B, T) int64 token ids
     * @param weights (B, T) float32 weight of each token as a target (0 for prompt tokens and padding)
     * @return the scalar mean loss over weighted tokens
     */
    public static NDArray loss(NDArray logits, NDArray ids, NDArray weights) {
        NDArray logp = logits.get(new NDIndex(":, :-1")).logSoftmax(-1); // (B, T-1, V)
        NDArray targets = ids.get(new NDIndex(":, 1:")).expandDims(-1); // (B, T-1, 1)
        NDArray picked = logp.gather(targets, -1).squeeze(-1); // (B, T-1)
        NDArray w = weights.get(new NDIndex(":, 1:")); // (B, T-1)
        return picked.mul(w).sum().neg().div(w.sum().maximum(1e-8f)); // ()
    }
}
