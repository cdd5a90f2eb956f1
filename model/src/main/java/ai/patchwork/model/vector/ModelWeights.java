package ai.patchwork.model.vector;

import ai.patchwork.model.config.ModelConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The CPU runtime's weights of one checkpoint, off the Java heap in {@code arena}: read once per process and shared
 * by every {@link VectorTransformer} opened on the same folder with the same quantization (the serving role's engine
 * and the worker's sampling, say), freed when the last of them closes. Immutable and stateless, so any number of steps
 * read them at once.
 */
final class ModelWeights {

    private record Key(Path folder, Quantization quantization, boolean blocked) {}

    private static final Map<Key, ModelWeights> OPEN = new HashMap<>(); // guarded by itself

    final ModelConfig config;
    final PackedMatrix embedding; // (V, E)
    final List<VectorBlock> blocks;
    final float[] norm; // (E)
    final PackedMatrix lmHead; // (V, E), the embedding itself when tied
    private final Arena arena;
    private Key key; // null when not shared
    boolean fromCache; // read from the packed-weights cache ({@link PackedCache}) rather than packed
    private int users = 1; // guarded by OPEN

    ModelWeights(
            ModelConfig config,
            Arena arena,
            PackedMatrix embedding,
            List<VectorBlock> blocks,
            float[] norm,
            PackedMatrix lmHead) {
        this.config = config;
        this.arena = arena;
        this.embedding = embedding;
        this.blocks = List.copyOf(blocks);
        this.norm = norm;
        this.lmHead = lmHead;
    }

    /**
     * The weights of a model folder: those already open in this process, else loaded now, with BF16 projections in
     * oneDNN's layout when {@code blocked} ({@link NativeGemm}) and packed matrices cached in {@code packedCacheDir}
     * (null: none, see {@link PackedCache}); {@link #release} each.
     */
    static ModelWeights acquire(Path modelDir, Quantization quantization, boolean blocked, Path packedCacheDir) {
        Key key;
        try {
            key = new Key(modelDir.toRealPath(), quantization, blocked);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the model folder " + modelDir, e);
        }
        synchronized (OPEN) { // one load at a time: a second user of the same folder waits for it rather than reloading
            ModelWeights w = OPEN.get(key);
            if (w != null) {
                w.users++;
                return w;
            }
            w = CheckpointLoader.load(key.folder(), quantization, blocked, packedCacheDir);
            w.key = key;
            OPEN.put(key, w);
            return w;
        }
    }

    /**
     * The unquantized weights of a model folder that some runtime of this process holds now (in either layout), with
     * one user more; empty when none does. Nothing is loaded.
     */
    static Optional<ModelWeights> borrow(Path modelDir) {
        Path folder;
        try {
            folder = modelDir.toRealPath();
        } catch (IOException e) {
            return Optional.empty();
        }
        synchronized (OPEN) {
            for (Map.Entry<Key, ModelWeights> e : OPEN.entrySet()) {
                if (e.getKey().folder().equals(folder) && e.getKey().quantization() == Quantization.NONE) {
                    e.getValue().users++;
                    return Optional.of(e.getValue());
                }
            }
        }
        return Optional.empty();
    }

    /** One user less; the last frees the memory. */
    void release() {
        synchronized (OPEN) {
            if (users == 0) return;
            if (--users > 0) return;
            if (key != null) OPEN.remove(key);
        }
        arena.close();
    }

    /** The packed matrices in load order: the embedding, each block's, then the LM head unless tied. */
    List<PackedMatrix> matrices() {
        List<PackedMatrix> out = new ArrayList<>();
        out.add(embedding);
        for (VectorBlock b : blocks) out.addAll(b.matrices());
        if (lmHead != embedding) out.add(lmHead);
        return out;
    }

    /** Bytes of weights held off the heap (a tied LM head counted once). */
    long bytes() {
        long n = embedding.bytes() + (lmHead == embedding ? 0 : lmHead.bytes());
        for (VectorBlock b : blocks) n += b.weightBytes();
        return n;
    }
}
