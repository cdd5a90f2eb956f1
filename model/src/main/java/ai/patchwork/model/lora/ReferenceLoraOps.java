package ai.patchwork.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.nn.ProjectionGroup;
import java.util.List;

/**
 * The simple op the fast ones are tested against: one sequence at a time, one module at a time, straight from the
 * PEFT weights: {@code y[b] += s · x[b] · Aᵀ · Bᵀ} (vLLM's per-request reference in {@code test_layers.py}).
 */
public final class ReferenceLoraOps implements LoraOps {

    private final ModelConfig config;
    private final List<AdapterWeights> perSequence;

    /** @param perSequence the adapter of each sequence of the batch, null for none */
    public ReferenceLoraOps(ModelConfig config, List<AdapterWeights> perSequence) {
        this.config = config;
        this.perSequence = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(perSequence));
    }

    @Override
    public NDArray apply(int layer, ProjectionGroup group, NDArray x, NDArray y) {
        NDManager m = x.getManager();
        long t = x.getShape().get(1);
        NDList rows = new NDList();
        for (int bIdx = 0; bIdx < perSequence.size(); bIdx++) {
            AdapterWeights adapter = perSequence.get(bIdx);
            NDArray xb = x.get(bIdx); // (T, in)
            NDList parts = new NDList();
            for (Projection p : group.parts()) {
                LoraWeights w = adapter == null ? null : adapter.module(layer, p);
                if (w == null) {
                    parts.add(m.zeros(new Shape(t, p.outFeatures(config)))); // (T, out_p)
                } else {
                    NDArray a = m.create(w.a(), new Shape(w.rank(), w.in())); // (r, in)
                    NDArray b = m.create(w.b(), new Shape(w.out(), w.rank())); // (out_p, r)
                    parts.add(xb.matMul(a.transpose()).matMul(b.transpose()).mul(w.scale())); // (T, out_p)
                }
            }
            rows.add(NDArrays.concat(parts, -1)); // (T, out)
        }
        return y.add(NDArrays.stack(rows)); // (B, T, out)
    }
}
