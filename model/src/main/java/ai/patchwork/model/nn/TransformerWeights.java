package ai.patchwork.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.family.WeightNames;
import ai.patchwork.model.safetensors.Checkpoint;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a checkpoint into the shared blocks: the family's {@link WeightNames} says where each weight is; this class
 * transposes projections to (in, out) and fuses q/k/v and gate/up.
 */
final class TransformerWeights {
    private TransformerWeights() {}

    static Transformer load(ModelConfig c, Checkpoint ckpt, NDManager model) {
        WeightNames names = WeightNames.of(c.family());
        RotaryEmbedding rope = new RotaryEmbedding(c, model);
        List<TransformerBlock> blocks = new ArrayList<>();
        try (NDManager tmp = model.newSubManager()) {
            NDArray embed = keep(ckpt.load(names.embedding(), tmp, c.vocabSize(), c.hiddenSize()), model); // (V, E)
            for (int l = 0; l < c.numLayers(); l++) {
                Linear qkv = fused(c, ckpt, names, l, ProjectionGroup.QKV, tmp, model);
                Linear o = fused(c, ckpt, names, l, ProjectionGroup.O, tmp, model);
                Linear gateUp = fused(c, ckpt, names, l, ProjectionGroup.GATE_UP, tmp, model);
                Linear down = fused(c, ckpt, names, l, ProjectionGroup.DOWN, tmp, model);
                blocks.add(new TransformerBlock(
                        norm(ckpt, names.attentionNorm(l), c, tmp, model),
                        new Attention(l, qkv, o, rope, c),
                        norm(ckpt, names.mlpNorm(l), c, tmp, model),
                        new Mlp(l, gateUp, down)));
            }
            RmsNorm finalNorm = norm(ckpt, names.finalNorm(), c, tmp, model);
            NDArray head = c.tieWordEmbeddings() || !ckpt.has(names.lmHead())
                    ? embed
                    : keep(ckpt.load(names.lmHead(), tmp, c.vocabSize(), c.hiddenSize()), model);
            if (!c.tieWordEmbeddings() && !ckpt.has(names.lmHead())) {
                throw new ai.patchwork.model.config.ModelFormatException(
                        "checkpoint has no " + names.lmHead() + " and tie_word_embeddings is false");
            }
            return new Transformer(
                    c,
                    new Embedding(embed),
                    blocks,
                    finalNorm,
                    keep(head.transpose().duplicate(), model),
                    rope,
                    model);
        }
    }

    private static RmsNorm norm(Checkpoint ckpt, String name, ModelConfig c, NDManager tmp, NDManager model) {
        return new RmsNorm(keep(ckpt.load(name, tmp, c.hiddenSize()), model), (float) c.rmsNormEps());
    }

    /** Loads the projections of a group, each (out, in), as one (in, Σout) weight plus the fused bias if any. */
    private static Linear fused(
            ModelConfig c,
            Checkpoint ckpt,
            WeightNames names,
            int l,
            ProjectionGroup group,
            NDManager tmp,
            NDManager model) {
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
        NDArray b = biases.isEmpty() ? null : keep(NDArrays.concat(biases, 0), model); // (Σout)
        return new Linear(keep(w, model), b);
    }

    private static NDArray keep(NDArray a, NDManager model) {
        a.attach(model);
        return a;
    }
}
