package ai.patchwork.model.nn;

import ai.patchwork.model.config.ModelConfig;
import java.util.List;

/**
 * Projections that read the same input and run as one fused matmul: q/k/v, o, gate/up, down. LoRA deltas are
 * applied per group, so one shrink serves q, k and v together (as vLLM packs qkv_proj).
 */
public enum ProjectionGroup {
    QKV(List.of(Projection.Q, Projection.K, Projection.V)),
    O(List.of(Projection.O)),
    GATE_UP(List.of(Projection.GATE, Projection.UP)),
    DOWN(List.of(Projection.DOWN));

    private final List<Projection> parts;

    ProjectionGroup(List<Projection> parts) {
        this.parts = parts;
    }

    public List<Projection> parts() {
        return parts;
    }

    public int inFeatures(ModelConfig c) {
        return parts.get(0).inFeatures(c);
    }

    /** Sum of the parts' output widths: the width of the fused output. */
    public int outFeatures(ModelConfig c) {
        return parts.stream().mapToInt(p -> p.outFeatures(c)).sum();
    }

    /** Offset of a part inside the fused output. */
    public int outOffset(Projection part, ModelConfig c) {
        int off = 0;
        for (Projection p : parts) {
            if (p == part) return off;
            off += p.outFeatures(c);
        }
        throw new IllegalArgumentException(part + " is not in " + this);
    }
}
