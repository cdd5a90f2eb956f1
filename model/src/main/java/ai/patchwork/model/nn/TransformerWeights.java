package ai.patchwork.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.config.ModelFormatException;
import ai.patchwork.model.family.WeightNames;
import ai.patchwork.model.safetensors.Checkpoint;
import ai.patchwork.model.safetensors.DType;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a checkpoint into the shared blocks: the family's {@link WeightNames} says where each weight is; this class
 * transposes projections to (in, out), fuses q/k/v and gate/up, and stores the matrices as {@link WeightStorage} says,
 * or leaves them where another runtime holds them ({@link ExternalWeights}) and reads only norms and biases. Each
 * matrix's float32 intermediates are freed before the next is read, so loading needs little beyond the model.
 */
final class TransformerWeights {
    private TransformerWeights() {}

    /** Where the model's matrices come from. */
    private interface Matrices {
        Embedding embedding();

        /** The fused projections of a group, (in, Σout). */
        Linear projection(int layer, ProjectionGroup group, NDArray bias);

        /** The LM head, (E, V). */
        Linear head();
    }

    static Transformer load(ModelConfig c, Checkpoint ckpt, WeightStorage storage, NDManager model) {
        return load(c, ckpt, new Stored(c, ckpt, storage, model), model);
    }

    static Transformer load(ModelConfig c, Checkpoint ckpt, ExternalWeights external, NDManager model) {
        return load(c, ckpt, new Lent(c, external), model);
    }

    private static Transformer load(ModelConfig c, Checkpoint ckpt, Matrices matrices, NDManager model) {
        WeightNames names = WeightNames.of(c.family());
        if (!c.tieWordEmbeddings() && !ckpt.has(names.lmHead())) {
            throw new ModelFormatException("checkpoint has no " + names.lmHead() + " and tie_word_embeddings is false");
        }
        RotaryEmbedding rope = new RotaryEmbedding(c, model);
        Embedding embedding = matrices.embedding();
        List<TransformerBlock> blocks = new ArrayList<>();
        for (int l = 0; l < c.numLayers(); l++) {
            Linear qkv =
                    matrices.projection(l, ProjectionGroup.QKV, bias(c, names, l, ProjectionGroup.QKV, ckpt, model));
            Linear o = matrices.projection(l, ProjectionGroup.O, bias(c, names, l, ProjectionGroup.O, ckpt, model));
            Linear gateUp = matrices.projection(
                    l, ProjectionGroup.GATE_UP, bias(c, names, l, ProjectionGroup.GATE_UP, ckpt, model));
            Linear down =
                    matrices.projection(l, ProjectionGroup.DOWN, bias(c, names, l, ProjectionGroup.DOWN, ckpt, model));
            blocks.add(new TransformerBlock(
                    norm(ckpt, names.attentionNorm(l), c, model),
                    new Attention(l, qkv, o, rope, c),
                    norm(ckpt, names.mlpNorm(l), c, model),
                    new Mlp(l, gateUp, down)));
        }
        RmsNorm finalNorm = norm(ckpt, names.finalNorm(), c, model);
        return new Transformer(c, embedding, blocks, finalNorm, matrices.head(), rope, model);
    }

    /** The matrices read from {@code ckpt} into the model's manager, stored as {@code storage} says. */
    private record Stored(ModelConfig c, Checkpoint ckpt, WeightStorage storage, NDManager model) implements Matrices {

        /** float16's largest finite value. */
        private static final float HALF_MAX = 65504f;

        @Override
        public Embedding embedding() {
            String name = WeightNames.of(c.family()).embedding();
            try (NDManager tmp = model.newSubManager()) {
                return new Embedding(keep(name, ckpt.load(name, tmp, c.vocabSize(), c.hiddenSize()))); // (V, E)
            }
        }

        /** Loads the projections of a group, each (out, in), as one (in, Σout) weight. */
        @Override
        public Linear projection(int layer, ProjectionGroup group, NDArray bias) {
            WeightNames names = WeightNames.of(c.family());
            try (NDManager tmp = model.newSubManager()) {
                NDList weights = new NDList();
                for (Projection p : group.parts()) {
                    weights.add(ckpt.load(names.projection(layer, p.module()), tmp, p.outFeatures(c), p.inFeatures(c)));
                }
                // A contiguous (in, Σout) copy: matmul with a transposed view is several times slower for small
                // batches.
                NDArray w = NDArrays.concat(weights, 0).transpose().duplicate(); // (in, Σout)
                return new Linear(
                        keep(names.projection(layer, group.parts().getFirst().module()), w), bias);
            }
        }

        @Override
        public Linear head() {
            WeightNames names = WeightNames.of(c.family());
            String name = c.tieWordEmbeddings() ? names.embedding() : names.lmHead();
            try (NDManager tmp = model.newSubManager()) {
                NDArray vByE = ckpt.load(name, tmp, c.vocabSize(), c.hiddenSize());
                return new Linear(keep(name, vByE.transpose().duplicate()), null); // (E, V)
            }
        }

        /**
         * Moves a float32 matrix read from {@code ckpt} into the model's manager, stored as the model stores matrices.
         *
         * @param name the checkpoint tensor the matrix was read from (the first of a fused group)
         */
        private NDArray keep(String name, NDArray f32) {
            DType dtype = ckpt.info(name).dtype();
            boolean half = storage == WeightStorage.HALF
                    && (dtype == DType.BF16 || dtype == DType.F16)
                    && f32.abs().max().getFloat() <= HALF_MAX;
            NDArray out = half ? f32.toType(DataType.FLOAT16, true) : f32;
            out.attach(model);
            return out;
        }
    }

    /** The matrices as another runtime holds them, read for each use. */
    private record Lent(ModelConfig c, ExternalWeights external) implements Matrices {

        @Override
        public Embedding embedding() {
            return new Embedding(null, external, c.hiddenSize());
        }

        @Override
        public Linear projection(int layer, ProjectionGroup group, NDArray bias) {
            return new Linear(
                    null,
                    new Linear.External(
                            group.inFeatures(c), group.outFeatures(c), dst -> external.projection(layer, group, dst)),
                    bias);
        }

        @Override
        public Linear head() {
            return new Linear(null, new Linear.External(c.hiddenSize(), c.vocabSize(), external::lmHead), null);
        }
    }

    private static RmsNorm norm(Checkpoint ckpt, String name, ModelConfig c, NDManager model) {
        return new RmsNorm(ckpt.load(name, model, c.hiddenSize()), (float) c.rmsNormEps());
    }

    /** The fused bias (Σout) of a group, or null when the model has none there. */
    private static NDArray bias(
            ModelConfig c, WeightNames names, int layer, ProjectionGroup group, Checkpoint ckpt, NDManager model) {
        NDList biases = new NDList();
        try (NDManager tmp = model.newSubManager()) {
            for (Projection p : group.parts()) {
                if (!c.hasBias(p.module())) continue;
                String bias = names.projectionBias(layer, p.module());
                if (!ckpt.has(bias)) throw new ModelFormatException("checkpoint has no " + bias);
                biases.add(ckpt.load(bias, tmp, p.outFeatures(c)));
            }
            if (biases.isEmpty()) return null;
            NDArray b = NDArrays.concat(biases, 0); // (Σout)
            b.attach(model);
            return b;
        }
    }
}
