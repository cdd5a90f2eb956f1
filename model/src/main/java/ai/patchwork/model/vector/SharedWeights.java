package ai.patchwork.model.vector;

import ai.patchwork.model.nn.ExternalWeights;
import ai.patchwork.model.nn.ProjectionGroup;
import ai.patchwork.model.nn.Transformer;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The CPU runtime's resident weights lent to a PyTorch {@link Transformer} in the same process: when the serving role
 * holds a base model and the worker trains on it, the trainer reads the serving copy (widened to float32, one matrix
 * at a time) instead of loading a second one. The matrices come back exactly, out of whichever layout the runtime
 * packed them in ({@link Transposed}). Only unquantized weights are lent: int8 ones are not the checkpoint's values.
 *
 * <pre>
 *   try (SharedWeights lent = SharedWeights.borrow(modelDir).orElseThrow()) {
 *     Transformer model = Transformer.load(modelDir, lent, manager); // closes lent with the model
 *   }
 * </pre>
 */
public final class SharedWeights implements ExternalWeights {

    private final ModelWeights weights;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SharedWeights(ModelWeights weights) {
        this.weights = weights;
    }

    /**
     * The unquantized weights of {@code modelDir} if a runtime of this process holds them now; they stay in memory
     * until this is closed, whoever else closes. Empty when none does (nothing is loaded) or the JVM has no Vector API.
     */
    public static Optional<SharedWeights> borrow(Path modelDir) {
        if (!VectorTransformer.available()) return Optional.empty();
        return ModelWeights.borrow(modelDir).map(SharedWeights::new);
    }

    @Override
    public void projection(int layer, ProjectionGroup group, MemorySegment dst) {
        Transposed.write(weights.blocks.get(layer).matrix(group), dst);
    }

    @Override
    public void lmHead(MemorySegment dst) {
        Transposed.write(weights.lmHead, dst);
    }

    @Override
    public void embeddingRow(int token, float[] dst, int offset) {
        weights.embedding.row(token, dst, offset);
    }

    /** Bytes of the lent weights (a tied LM head counted once). */
    public long bytes() {
        return weights.bytes();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) weights.release();
    }
}
