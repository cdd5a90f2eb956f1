package ai.patchwork.model.vector;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.config.ModelFormatException;
import ai.patchwork.model.family.WeightNames;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.nn.ProjectionGroup;
import ai.patchwork.model.safetensors.Checkpoint;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a Hugging Face model folder (config.json and safetensors, one file or shards) into the CPU runtime's weights:
 * the family's {@link WeightNames} say where each weight is; each matrix is mapped from its file, packed once into
 * off-heap memory in its own precision ({@link PackedMatrix#pack}, q/k/v and gate/up stacked as they are read) and
 * unmapped, so the process holds one copy of the weights at a time and nothing large lives on the Java heap. No
 * tensor library is involved. Norms and biases, a few kilobytes a layer, are float arrays. With
 * {@link Quantization#INT8} the matrices are quantized as they are packed.
 */
final class CheckpointLoader {

    private CheckpointLoader() {}

    static ModelWeights load(Path modelDir, Quantization quantization) {
        return load(modelDir, quantization, false);
    }

    /**
     * The same with the BF16 projections and an untied LM head in oneDNN's layout when {@code blocked} and their shape
     * fits ({@link OneDnn#fits}); the embedding keeps the row layout its lookups read.
     */
    static ModelWeights load(Path modelDir, Quantization quantization, boolean blocked) {
        boolean int8 = quantization == Quantization.INT8;
        ModelConfig c = ModelConfig.load(modelDir);
        WeightNames names = WeightNames.of(c.family());
        int e = c.hiddenSize();
        Arena arena = Arena.ofShared();
        try (Checkpoint ckpt = Checkpoint.open(modelDir)) {
            PackedMatrix embedding =
                    matrix(ckpt, arena, e, List.of(names.embedding()), List.of(c.vocabSize()), int8, false);
            List<VectorBlock> blocks = new ArrayList<>();
            for (int l = 0; l < c.numLayers(); l++) {
                blocks.add(new VectorBlock(
                        l,
                        c,
                        ckpt.floats(names.attentionNorm(l), e),
                        group(ckpt, arena, int8, blocked, c, names, l, ProjectionGroup.QKV),
                        bias(ckpt, c, names, l, ProjectionGroup.QKV),
                        group(ckpt, arena, int8, blocked, c, names, l, ProjectionGroup.O),
                        ckpt.floats(names.mlpNorm(l), e),
                        group(ckpt, arena, int8, blocked, c, names, l, ProjectionGroup.GATE_UP),
                        group(ckpt, arena, int8, blocked, c, names, l, ProjectionGroup.DOWN)));
            }
            float[] norm = ckpt.floats(names.finalNorm(), e);
            boolean hasHead = ckpt.has(names.lmHead());
            if (!c.tieWordEmbeddings() && !hasHead) {
                throw new ModelFormatException(
                        "checkpoint has no " + names.lmHead() + " and tie_word_embeddings is false");
            }
            PackedMatrix head = c.tieWordEmbeddings() || !hasHead // tied: the embedding's packed rows serve both
                    ? embedding
                    : matrix(ckpt, arena, e, List.of(names.lmHead()), List.of(c.vocabSize()), int8, blocked);
            return new ModelWeights(c, arena, embedding, blocks, norm, head);
        } catch (RuntimeException | Error ex) {
            arena.close();
            throw ex;
        }
    }

    /** The projections of a group, each (out, in) in the checkpoint, as one packed (Σout, in) matrix. */
    private static PackedMatrix group(
            Checkpoint ckpt,
            Arena arena,
            boolean int8,
            boolean blocked,
            ModelConfig c,
            WeightNames names,
            int layer,
            ProjectionGroup g) {
        List<String> parts = new ArrayList<>();
        List<Integer> rows = new ArrayList<>();
        for (Projection p : g.parts()) {
            parts.add(names.projection(layer, p.module()));
            rows.add(p.outFeatures(c));
        }
        return matrix(ckpt, arena, g.inFeatures(c), parts, rows, int8, blocked);
    }

    /** Tensors of {@code rows} × {@code k} values stacked into one packed matrix; their mappings live only meanwhile. */
    private static PackedMatrix matrix(
            Checkpoint ckpt,
            Arena arena,
            int k,
            List<String> tensors,
            List<Integer> rows,
            boolean int8,
            boolean blocked) {
        try (Arena maps = Arena.ofShared()) { // the packer reads them on every core
            List<PackedMatrix.Source> sources = new ArrayList<>();
            for (int i = 0; i < tensors.size(); i++) {
                String name = tensors.get(i);
                int n = rows.get(i);
                sources.add(new PackedMatrix.Source(
                        ckpt.map(name, maps, n, k), ckpt.info(name).dtype(), n));
            }
            return PackedMatrix.pack(sources, k, int8, blocked, arena);
        } catch (IllegalArgumentException ex) {
            throw new ModelFormatException(tensors + ": " + ex.getMessage());
        }
    }

    /** The group's fused bias (Qwen2's q/k/v), zeros for a part without one; null when no part has one. */
    private static float[] bias(Checkpoint ckpt, ModelConfig c, WeightNames names, int layer, ProjectionGroup g) {
        float[] out = null;
        for (Projection p : g.parts()) {
            if (!c.hasBias(p.module())) continue;
            String name = names.projectionBias(layer, p.module());
            if (!ckpt.has(name)) throw new ModelFormatException("checkpoint has no " + name);
            if (out == null) out = new float[g.outFeatures(c)];
            System.arraycopy(ckpt.floats(name, p.outFeatures(c)), 0, out, g.outOffset(p, c), p.outFeatures(c));
        }
        return out;
    }
}
