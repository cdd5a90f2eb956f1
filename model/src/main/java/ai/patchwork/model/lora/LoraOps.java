package ai.patchwork.model.lora;

import ai.djl.ndarray.NDArray;
import ai.patchwork.model.nn.ProjectionGroup;

/**
 * Adds the LoRA delta of one projection group to the base output for a whole batch.
 *
 * <p>Semantics: for every sequence b with adapter a(b), and every part p of the group,
 * {@code y[b, :, p] += s_a · (x[b] · A_{a,p}ᵀ) · B_{a,p}ᵀ}; sequences without an adapter are left as they are.
 * Implementations: {@link #NONE}, {@link ReferenceLoraOps} (a per-sequence loop, the ground truth),
 * {@link BatchedLoraOps} (gathered slots and batched matmuls).
 */
@FunctionalInterface
public interface LoraOps {

    /** The base model: no delta. */
    LoraOps NONE = (layer, group, x, y) -> y;

    /**
     * @param x the group's input, (B, T, in)
     * @param y the base output of the fused group, (B, T, out)
     * @return y plus the deltas, (B, T, out)
     */
    NDArray apply(int layer, ProjectionGroup group, NDArray x, NDArray y);
}
