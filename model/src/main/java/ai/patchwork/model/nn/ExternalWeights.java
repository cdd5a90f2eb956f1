package ai.patchwork.model.nn;

import java.lang.foreign.MemorySegment;

/**
 * A base model's frozen matrices held outside PyTorch, by another runtime of the same process (the CPU runtime's
 * resident weights, which the serving role loaded): a {@link Transformer} built on them keeps no copy of its own and
 * widens each matrix into a float32 tensor for the one use that needs it ({@link Linear#forward}, {@link
 * Embedding#forward}), as a float16 matrix is widened ({@link WeightStorage#HALF}). Norms and biases, a few kilobytes a
 * layer, are not here: the model reads them from the checkpoint.
 */
public interface ExternalWeights extends AutoCloseable {

    /**
     * Writes the fused projections of {@code group} in {@code layer} (as {@link TransformerWeights} fuses them) as W
     * (in, out) float32, row-major, native byte order, to {@code dst}, which holds exactly in·out floats.
     */
    void projection(int layer, ProjectionGroup group, MemorySegment dst);

    /** Writes the LM head as (E, V) float32, row-major, native byte order, to {@code dst} (E·V floats). */
    void lmHead(MemorySegment dst);

    /** dst[offset .. offset + E) = the embedding row of {@code token} as float32. */
    void embeddingRow(int token, float[] dst, int offset);

    /** Lets go of the weights: the runtime that holds them frees them once no one else uses them. */
    @Override
    void close();
}
