package ai.patchwork.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/** SwiGLU feed-forward (Shazeer 2020): down(silu(gate(x)) · up(x)), gate and up fused in one matmul. */
public final class Mlp {

    private final int layer;
    private final Linear gateUp; // (E, 2·I)
    private final Linear down; // (I, E)
    private final long i;

    public Mlp(int layer, Linear gateUp, Linear down) {
        this.layer = layer;
        this.gateUp = gateUp;
        this.down = down;
        this.i = down.inFeatures();
    }

    public Linear gateUp() {
        return gateUp;
    }

    public Linear down() {
        return down;
    }

    /** (B, T, E) → (B, T, E). */
    public NDArray forward(NDArray x, RunState step) {
        NDArray gu = step.lora().apply(layer, ProjectionGroup.GATE_UP, x, gateUp.forward(x)); // (B, T, 2·I)
        NDArray gate = gu.get(new NDIndex("..., :{}", i)); // (B, T, I)
        NDArray up = gu.get(new NDIndex("..., {}:", i)); // (B, T, I)
        NDArray hidden = gate.mul(gate.getNDArrayInternal().sigmoid()).mul(up); // silu(gate) · up, (B, T, I)
        return step.lora().apply(layer, ProjectionGroup.DOWN, hidden, down.forward(hidden)); // (B, T, E)
    }
}
