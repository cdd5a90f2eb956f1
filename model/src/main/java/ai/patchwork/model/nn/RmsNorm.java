package ai.patchwork.model.nn;

import ai.djl.ndarray.NDArray;

/** Root-mean-square layer norm (Zhang &amp; Sennrich 2019): x / sqrt(mean(x²) + eps) · w, as LlamaRMSNorm. */
public record RmsNorm(NDArray weight, float eps) {

    /** (B, T, E) → (B, T, E). */
    public NDArray forward(NDArray x) {
        NDArray meanSquare = x.square().mean(new int[] {-1}, true); // (B, T, 1)
        return x.div(meanSquare.add(eps).sqrt()).mul(weight); // (B, T, E)
    }
}
