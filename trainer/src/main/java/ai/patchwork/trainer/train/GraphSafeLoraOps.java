package ai.patchwork.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterWriter;
import ai.patchwork.model.lora.LoraOps;
import ai.patchwork.model.lora.TrainableLora;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.nn.ProjectionGroup;
import java.util.Map;

/**
 * The forward of a {@link TrainableLora} ({@code y += s · dropout(x) · Aᵀ · Bᵀ} per targeted module) with the scale
 * s held as a tensor that lives as long as the adapter.
 *
 * <p>Why not {@code TrainableLora.apply}: it multiplies by s with DJL's {@code NDArray.mul(Number)}, which wraps the
 * number in a zero-copy tensor over a direct buffer and closes it right after the op. Autograd saves that tensor for
 * the backward pass; once the buffer is garbage-collected the backward reads freed memory, which showed up as NaN
 * gradients every few hundred steps (finite loss, NaN gradient, not reproducible on recomputation). Keeping s alive
 * avoids it; the parameters are still TrainableLora's, so snapshots and checkpoints are unchanged.
 */
final class GraphSafeLoraOps implements LoraOps, AutoCloseable {

    private final ModelConfig model;
    private final Map<String, NDArray> params;
    private final NDManager manager;
    private final NDArray scale;
    private float dropout;
    private boolean training = true;

    GraphSafeLoraOps(ModelConfig model, TrainableLora lora, NDManager parent) {
        this.model = model;
        this.params = lora.parameters();
        this.manager = parent.newSubManager();
        this.scale = manager.create((float) lora.config().scaling());
    }

    void setDropout(float p) {
        this.dropout = p;
    }

    void setTraining(boolean training) {
        this.training = training;
    }

    @Override
    public NDArray apply(int layer, ProjectionGroup group, NDArray x, NDArray y) {
        NDArray in = training && dropout > 0 ? Dropout.dropout(x, dropout, true).singletonOrThrow() : x;
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        NDList parts = new NDList();
        boolean any = false;
        for (Projection p : group.parts()) {
            String prefix = AdapterWriter.prefix(layer, p.module());
            NDArray a = params.get(prefix + ".lora_A.weight"); // (r, in)
            NDArray bw = params.get(prefix + ".lora_B.weight"); // (out, r)
            if (a == null) {
                parts.add(x.getManager().zeros(new Shape(b, t, p.outFeatures(model)))); // (B, T, out_p)
            } else {
                any = true;
                // The transposed views into x's manager: a view of a parameter joins the parameter's manager, which
                // lives as long as the run (autograd keeps its own reference to a view it saved).
                NDArray aT = a.transpose(); // (in, r)
                NDArray bT = bw.transpose(); // (r, out_p)
                aT.attach(x.getManager());
                bT.attach(x.getManager());
                parts.add(in.matMul(aT).matMul(bT).mul(scale)); // (B, T, out_p)
            }
        }
        if (!any) return y;
        return y.add(parts.size() == 1 ? parts.singletonOrThrow() : NDArrays.concat(parts, -1)); // (B, T, out)
    }

    @Override
    public void close() {
        manager.close();
    }
}
