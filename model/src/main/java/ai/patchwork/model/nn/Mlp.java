package ai.patchwork.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/**
 * SwiGLU feed-forward (Shazeer 2020): down(silu(gate(x)) · up(x)), gate and up fused in one matmul.
 *
 * @param gateUp (E, 2·I)
 * @param down (I, E)
 */
public record Mlp(int layer, Linear gateUp, Linear down) {

    public Mlp {
        if (layer < 0) throw new IllegalArgumentException("layer must be >= 0, got " + layer);
        if (gateUp == null || down == null) throw new IllegalArgumentException("gateUp and down are required");
    }

    /** (B, T, E) → (B, T, E). */
    public NDArray forward(NDArray x, RunState step) {
        long i = down.inFeatures();
        NDArray gu = step.lora().apply(layer, ProjectionGroup.GATE_UP, x, gateUp.forward(x)); // (B, T, 2·I)
        NDArray gate = gu.get(new NDIndex("..., :{}", i)); // (B, T, I)
        NDArray up = gu.get(new NDIndex("..., {}:", i)); // (B, T, I)
        NDArray hidden = gate.mul(gate.getNDArrayInternal().sigmoid()).mul(up); // silu(gate) · up, (B, T, I)
        return step.lora().apply(layer, ProjectionGroup.DOWN, hidden, down.forward(hidden)); // (B, T, E)
    }
}
