package ai.patchwork.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.family.WeightNames;
import ai.patchwork.model.safetensors.Checkpoint;
import ai.patchwork.model.safetensors.DType;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a checkpoint into the shared blocks: the family's {@link WeightNames} says where each weight is; this class
 * transposes projections to (in, out), fuses q/k/v and gate/up, and stores the matrices as {@link WeightStorage} says.
 * Each matrix's float32 intermediates are freed before the next is read, so loading needs little beyond the model.
 */
final class TransformerWeights {
    private TransformerWeights() {}

    static Transformer load(ModelConfig c, Checkpoint ckpt, WeightStorage storage, NDManager model) {
        WeightNames names = WeightNames.of(c.family());
        RotaryEmbedding rope = new RotaryEmbedding(c, model);
        List<TransformerBlock> blocks = new ArrayList<>();
        Stored stored = new Stored(ckpt, storage, model);
        NDArray embed; // (V, E)
        try (NDManager tmp = model.newSubManager()) {
            embed = stored.keep(names.embedding(), ckpt.load(names.embedding(), tmp, c.vocabSize(), c.hiddenSize()));
        }
        for (int l = 0; l < c.numLayers(); l++) {
            Linear qkv = fused(c, names, l, ProjectionGroup.QKV, stored);
            Linear o = fused(c, names, l, ProjectionGroup.O, stored);
            Linear gateUp = fused(c, names, l, ProjectionGroup.GATE_UP, stored);
            Linear down = fused(c, names, l, ProjectionGroup.DOWN, stored);
            blocks.add(new TransformerBlock(
                    norm(ckpt, names.attentionNorm(l), c, model),
                    new Attention(l, qkv, o, rope, c),
                    norm(ckpt, names.mlpNorm(l), c, model),
                    new Mlp(l, gateUp, down)));
        }
        RmsNorm finalNorm = norm(ckpt, names.finalNorm(), c, model);
        if (!c.tieWordEmbeddings() && !ckpt.has(names.lmHead())) {
            throw new ai.patchwork.model.config.ModelFormatException(
                    "checkpoint has no " + names.lmHead() + " and tie_word_embeddings is false");
        }
        String headName = c.tieWordEmbeddings() ? names.embedding() : names.lmHead();
        NDArray head; // (E, V)
        try (NDManager tmp = model.newSubManager()) {
            NDArray vByE = ckpt.load(headName, tmp, c.vocabSize(), c.hiddenSize());
            head = stored.keep(headName, vByE.transpose().duplicate());
        }
        return new Transformer(c, new Embedding(embed), blocks, finalNorm, new Linear(head, null), rope, model);
    }

    /** Moves a float32 matrix read from {@code ckpt} into the model's manager, stored as the model stores matrices. */
    private record Stored(Checkpoint ckpt, WeightStorage storage, NDManager model) {

        /** float16's largest finite value. */
        private static final float HALF_MAX = 65504f;

        /** @param name the checkpoint tensor the matrix was read from (the first of a fused group) */
        NDArray keep(String name, NDArray f32) {
            DType dtype = ckpt.info(name).dtype();
            boolean half = storage == WeightStorage.HALF
                    && (dtype == DType.BF16 || dtype == DType.F16)
                    && f32.abs().max().getFloat() <= HALF_MAX;
            NDArray out = half ? f32.toType(DataType.FLOAT16, true) : f32;
            out.attach(model);
            return out;
        }
    }

    private static RmsNorm norm(Checkpoint ckpt, String name, ModelConfig c, NDManager model) {
        return new RmsNorm(ckpt.load(name, model, c.hiddenSize()), (float) c.rmsNormEps());
    }

    /** Loads the projections of a group, each (out, in), as one (in, Σout) weight plus the fused bias if any. */
    private static Linear fused(ModelConfig c, WeightNames names, int l, ProjectionGroup group, Stored stored) {
        Checkpoint ckpt = stored.ckpt();
        try (NDManager tmp = stored.model().newSubManager()) {
            NDList weights = new NDList();
            NDList biases = new NDList();
            for (Projection p : group.parts()) {
                weights.add(ckpt.load(names.projection(l, p.module()), tmp, p.outFeatures(c), p.inFeatures(c)));
                String bias = names.projectionBias(l, p.module());
                if (c.hasBias(p.module())) {
                    if (!ckpt.has(bias))
                        throw new ai.patchwork.model.config.ModelFormatException("checkpoint has no " + bias);
                    biases.add(ckpt.load(bias, tmp, p.outFeatures(c)));
                }
            }
            // A contiguous (in, Σout) copy: matmul with a transposed view is several times slower for small batches.
            NDArray w = NDArrays.concat(weights, 0).transpose().duplicate(); // (in, Σout)
            NDArray b = null; // (Σout)
            if (!biases.isEmpty()) {
                b = NDArrays.concat(biases, 0);
                b.attach(stored.model());
            }
            return new Linear(
                    stored.keep(names.projection(l, group.parts().getFirst().module()), w), b);
        }
    }
}
