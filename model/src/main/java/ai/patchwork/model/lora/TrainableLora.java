package ai.patchwork.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.nn.ProjectionGroup;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One adapter under training: A (r, in) and B (out, r) of every targeted module are parameters with gradients while
 * the base weights stay frozen. Initialised as PEFT does: A Kaiming-uniform, B zero, so training starts at the base
 * model. The forward is {@code y += s · dropout(x) · Aᵀ · Bᵀ} per module.
 */
public final class TrainableLora implements LoraOps, AutoCloseable {

    private final ModelConfig model;
    private final PeftConfig config;
    private final NDManager manager;
    private final Map<String, NDArray[]> params = new LinkedHashMap<>(); // "layer.module" → {A, B}
    private final NDArray scale; // s as a tensor owned by this adapter: autograd reads it again in the backward pass
    private float dropout;
    private boolean training = true;

    private TrainableLora(ModelConfig model, PeftConfig config, NDManager parent) {
        this.model = model;
        this.config = config;
        this.manager = parent.newSubManager();
        this.scale = manager.create((float) config.scaling());
    }

    /** Fresh weights: A ~ U(-1/√in, 1/√in) (kaiming_uniform_ with a = √5), B = 0. */
    public static TrainableLora init(ModelConfig model, PeftConfig config, long seed, NDManager parent) {
        TrainableLora t = new TrainableLora(model, config, parent);
        SplittableRandom random = new SplittableRandom(seed);
        for (int l = 0; l < model.numLayers(); l++) {
            for (Projection p : Projection.values()) {
                if (!config.targets().contains(p)) continue;
                int in = p.inFeatures(model);
                float bound = (float) (1.0 / Math.sqrt(in));
                float[] a = new float[config.rank() * in];
                for (int i = 0; i < a.length; i++) a[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
                t.add(l, p, a, new float[p.outFeatures(model) * config.rank()]);
            }
        }
        return t;
    }

    /** Continues from existing weights (a checkpoint or an initial adapter). */
    public static TrainableLora from(ModelConfig model, AdapterWeights weights, NDManager parent) {
        TrainableLora t = new TrainableLora(model, weights.config(), parent);
        for (LoraWeights w : weights.modules()) t.add(w.layer(), w.projection(), w.a(), w.b());
        return t;
    }

    private void add(int layer, Projection p, float[] a, float[] b) {
        NDArray pa = manager.create(a, new Shape(config.rank(), p.inFeatures(model))); // (r, in)
        NDArray pb = manager.create(b, new Shape(p.outFeatures(model), config.rank())); // (out, r)
        pa.setRequiresGradient(true);
        pb.setRequiresGradient(true);
        params.put(layer + "." + p.module(), new NDArray[] {pa, pb});
    }

    public PeftConfig config() {
        return config;
    }

    /** Dropout on the LoRA input while training (lora_dropout). */
    public void setDropout(float p) {
        if (p < 0 || p >= 1) throw new IllegalArgumentException("lora dropout must be in [0, 1)");
        this.dropout = p;
    }

    /** Training mode applies dropout; evaluation does not. */
    public void setTraining(boolean training) {
        this.training = training;
    }

    /** Parameters by PEFT tensor name, for the optimizer and for checkpoints. */
    public Map<String, NDArray> parameters() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        params.forEach((key, ab) -> {
            String[] k = key.split("\\.", 2);
            String prefix = AdapterWriter.prefix(Integer.parseInt(k[0]), k[1]);
            out.put(prefix + ".lora_A.weight", ab[0]);
            out.put(prefix + ".lora_B.weight", ab[1]);
        });
        return out;
    }

    @Override
    public NDArray apply(int layer, ProjectionGroup group, NDArray x, NDArray y) {
        NDList parts = new NDList();
        boolean any = false;
        NDArray in = training && dropout > 0 ? Dropout.dropout(x, dropout, true).singletonOrThrow() : x;
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        for (Projection p : group.parts()) {
            NDArray[] ab = params.get(layer + "." + p.module());
            if (ab == null) {
                parts.add(x.getManager().zeros(new Shape(b, t, p.outFeatures(model)))); // (B, T, out_p)
            } else {
                any = true;
                // A scalar argument would become a temporary tensor that DJL frees before backward reads it (NaN
                // gradients).
                parts.add(in.matMul(ab[0].transpose()).matMul(ab[1].transpose()).mul(scale)); // (B, T, out_p)
            }
        }
        if (!any) return y;
        return y.add(parts.size() == 1 ? parts.singletonOrThrow() : NDArrays.concat(parts, -1)); // (B, T, out)
    }

    /** A host-memory copy of the current weights, servable and exportable. */
    public AdapterWeights snapshot(String id) {
        List<LoraWeights> modules = new ArrayList<>();
        params.forEach((key, ab) ->
                modules.add(LoraWeights.of(key, config, model, ab[0].toFloatArray(), ab[1].toFloatArray())));
        return new AdapterWeights(id, config, modules);
    }

    @Override
    public void close() {
        manager.close();
    }
}
