package ai.patchwork.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (Loshchilov &amp; Hutter 2019, decoupled weight decay) over named parameters, written out rather than taken
 * from DJL because DJL's {@code Adam} keeps its moments private: an exact resume needs them in the checkpoint.
 * Per parameter p with gradient g, at update t (1-based):
 *
 * <pre>
 *   m = β1·m + (1−β1)·g            v = β2·v + (1−β2)·g²
 *   p = p − lr·( (m / (1−β1^t)) / (√(v / (1−β2^t)) + ε) + λ·p )
 * </pre>
 *
 * which is {@code torch.optim.AdamW}. The moments live in the optimizer's own manager, next to the parameters.
 * Updates run outside a gradient collector, so autograd does not record them.
 */
final class AdamW implements AutoCloseable {

    static final float BETA1 = 0.9f;
    static final float BETA2 = 0.999f;
    static final float EPSILON = 1e-8f;

    private final NDManager manager;
    private final float weightDecay;
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private long updates;

    AdamW(NDManager parent, float weightDecay) {
        this.manager = parent.newSubManager();
        this.weightDecay = weightDecay;
    }

    /** Number of updates applied so far (t of the last update). */
    long updates() {
        return updates;
    }

    /**
     * Applies one update to every parameter from its gradient, already scaled (clipped, averaged) by the caller.
     *
     * @param params parameters by name, updated in place
     * @param grads their gradients, same names
     */
    void update(Map<String, NDArray> params, Map<String, NDArray> grads, float lr) {
        updates++;
        float c1 = (float) (1 - Math.pow(BETA1, updates));
        float c2 = (float) (1 - Math.pow(BETA2, updates));
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray p = e.getValue();
            NDArray g = grads.get(e.getKey());
            NDArray mean = m.computeIfAbsent(e.getKey(), k -> manager.zeros(p.getShape()));
            NDArray var = v.computeIfAbsent(e.getKey(), k -> manager.zeros(p.getShape()));
            // Every intermediate belongs to tmp: an op's result joins the manager of its first operand, and the
            // moments' and the parameter's managers live as long as the run.
            try (NDManager tmp = manager.newSubManager()) {
                g.tempAttach(tmp);
                mean.muli(BETA1).addi(g.mul(1 - BETA1));
                var.muli(BETA2).addi(g.square().muli(1 - BETA2));
                NDArray step =
                        in(tmp, mean.div(c1)).divi(in(tmp, var.div(c2)).sqrt().addi(EPSILON));
                if (weightDecay > 0) step.addi(in(tmp, p.mul(weightDecay)));
                p.subi(step.muli(lr));
            }
        }
    }

    /** {@code a}, attached to {@code m}. */
    private static NDArray in(NDManager m, NDArray a) {
        a.attach(m);
        return a;
    }

    /** The moments as host arrays, for a checkpoint: {@code name.m} and {@code name.v}. */
    Map<String, float[]> moments() {
        Map<String, float[]> out = new LinkedHashMap<>();
        m.forEach((k, a) -> {
            out.put(k + ".m", a.toFloatArray());
            out.put(k + ".v", v.get(k).toFloatArray());
        });
        return out;
    }

    /** Restores moments and the update count saved by {@link #moments()} for the given parameters. */
    void restore(Map<String, NDArray> params, Map<String, float[]> moments, long updates) {
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            float[] mean = moments.get(e.getKey() + ".m");
            float[] var = moments.get(e.getKey() + ".v");
            if (mean == null || var == null) {
                throw new IllegalArgumentException("checkpoint has no optimizer state for " + e.getKey());
            }
            m.put(e.getKey(), manager.create(mean, e.getValue().getShape()));
            v.put(e.getKey(), manager.create(var, e.getValue().getShape()));
        }
        this.updates = updates;
    }

    @Override
    public void close() {
        manager.close();
    }
}
