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
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Reads a Hugging Face model folder (config.json and safetensors, one file or shards) into the CPU runtime's weights:
 * the family's {@link WeightNames} say where each weight is; each matrix is mapped from its file, packed once into
 * off-heap memory in its own precision ({@link PackedMatrix#pack}, q/k/v and gate/up stacked as they are read) and
 * unmapped, so the process holds one copy of the weights at a time and nothing large lives on the Java heap. No
 * tensor library is involved. Norms and biases, a few kilobytes a layer, are float arrays. With
 * {@link Quantization#INT8} the matrices are quantized as they are packed. Packed matrices can be cached on disk and
 * read by later loads ({@link PackedCache}). With {@code blocked}, the BF16 projections and an untied LM head are
 * packed in oneDNN's layout when their shape fits ({@link OneDnn#fits}); the embedding keeps the row layout its
 * lookups read.
 */
final class CheckpointLoader {

    private static final System.Logger LOG = System.getLogger(CheckpointLoader.class.getName());

    private CheckpointLoader() {}

    /**
     * Loads the weights; with a {@code cacheDir}, maps the packed matrices from the cache file of the checkpoint's
     * content ({@link PackedCache}) when there is a valid one, else packs them and writes that file for the next start
     * (the checkpoint is hashed on another thread while it is packed).
     *
     * @param blocked whether BF16 projections take oneDNN's layout ({@link NativeGemm})
     * @param cacheDir where packed weights are cached, or null to pack at every load
     */
    static ModelWeights load(Path modelDir, Quantization quantization, boolean blocked, Path cacheDir) {
        if (cacheDir == null) return load(modelDir, quantization, blocked, null, null);
        String hash = CheckpointHash.known(cacheDir, modelDir);
        if (hash != null) {
            Path file = PackedCache.file(cacheDir, hash, quantization, blocked);
            Arena arena = Arena.ofShared();
            List<PackedMatrix> cached = PackedCache.read(file, quantization, arena);
            if (cached != null) {
                try {
                    ModelWeights w = load(modelDir, quantization, blocked, arena, cached.iterator());
                    w.fromCache = true;
                    return w;
                } catch (StaleCacheException e) {
                    arena.close(); // the file's matrices, read for nothing
                    LOG.log(System.Logger.Level.WARNING, file + " does not fit the checkpoint; repacking");
                }
            } else {
                arena.close();
            }
        }
        CompletableFuture<String> hashing = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("patchwork-checkpoint-hash").start(() -> {
            try {
                hashing.complete(hash != null ? hash : CheckpointHash.compute(cacheDir, modelDir));
            } catch (RuntimeException | Error e) {
                hashing.completeExceptionally(e);
            }
        });
        ModelWeights w = load(modelDir, quantization, blocked, null, null);
        try {
            Path file = PackedCache.file(cacheDir, hashing.join(), quantization, blocked);
            PackedCache.write(file, quantization, w.matrices());
        } catch (CompletionException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot cache the packed weights: " + e.getCause());
        }
        return w;
    }

    /** Thrown when a cache file's matrices do not have the checkpoint's shapes. */
    private static final class StaleCacheException extends RuntimeException {
        StaleCacheException(String message) {
            super(message);
        }
    }

    /** Packs the matrices into a new arena, or takes them from {@code cached} (read into {@code arena}) in order. */
    private static ModelWeights load(
            Path modelDir,
            Quantization quantization,
            boolean blocked,
            Arena cachedArena,
            Iterator<PackedMatrix> cached) {
        boolean int8 = quantization == Quantization.INT8;
        ModelConfig c = ModelConfig.load(modelDir);
        WeightNames names = WeightNames.of(c.family());
        int e = c.hiddenSize();
        Arena arena = cachedArena != null ? cachedArena : Arena.ofShared();
        Matrices m = cached == null
                ? (ckpt, k, tensors, rows, oneDnn) -> matrix(ckpt, arena, k, tensors, rows, int8, oneDnn)
                : (ckpt, k, tensors, rows, oneDnn) -> next(cached, k, rows);
        try (Checkpoint ckpt = Checkpoint.open(modelDir)) {
            PackedMatrix embedding = m.get(ckpt, e, List.of(names.embedding()), List.of(c.vocabSize()), false);
            List<VectorBlock> blocks = new ArrayList<>();
            for (int l = 0; l < c.numLayers(); l++) {
                blocks.add(new VectorBlock(
                        l,
                        c,
                        ckpt.floats(names.attentionNorm(l), e),
                        group(ckpt, m, blocked, c, names, l, ProjectionGroup.QKV),
                        bias(ckpt, c, names, l, ProjectionGroup.QKV),
                        group(ckpt, m, blocked, c, names, l, ProjectionGroup.O),
                        ckpt.floats(names.mlpNorm(l), e),
                        group(ckpt, m, blocked, c, names, l, ProjectionGroup.GATE_UP),
                        group(ckpt, m, blocked, c, names, l, ProjectionGroup.DOWN)));
            }
            float[] norm = ckpt.floats(names.finalNorm(), e);
            boolean hasHead = ckpt.has(names.lmHead());
            if (!c.tieWordEmbeddings() && !hasHead) {
                throw new ModelFormatException(
                        "checkpoint has no " + names.lmHead() + " and tie_word_embeddings is false");
            }
            PackedMatrix head = c.tieWordEmbeddings() || !hasHead // tied: the embedding's packed rows serve both
                    ? embedding
                    : m.get(ckpt, e, List.of(names.lmHead()), List.of(c.vocabSize()), blocked);
            if (cached != null && cached.hasNext()) throw new StaleCacheException("more matrices than the model's");
            return new ModelWeights(c, arena, embedding, blocks, norm, head);
        } catch (RuntimeException | Error ex) {
            arena.close();
            throw ex;
        }
    }

    /** Where the packed matrices come from: packed from the checkpoint, or taken from the cache. */
    private interface Matrices {
        PackedMatrix get(Checkpoint ckpt, int k, List<String> tensors, List<Integer> rows, boolean blocked);
    }

    /** The next cached matrix, which must have the shape the checkpoint's tensors stack to. */
    private static PackedMatrix next(Iterator<PackedMatrix> cached, int k, List<Integer> rows) {
        int n = rows.stream().mapToInt(Integer::intValue).sum();
        if (!cached.hasNext()) throw new StaleCacheException("fewer matrices than the model's");
        PackedMatrix pm = cached.next();
        if (pm.n() != n || pm.k() != k)
            throw new StaleCacheException(pm.n() + " × " + pm.k() + " for " + n + " × " + k);
        return pm;
    }

    /** The projections of a group, each (out, in) in the checkpoint, as one packed (Σout, in) matrix. */
    private static PackedMatrix group(
            Checkpoint ckpt,
            Matrices m,
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
        return m.get(ckpt, g.inFeatures(c), parts, rows, blocked);
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
