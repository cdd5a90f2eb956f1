package ai.patchwork.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * y = x·Wᵀ + b with W stored transposed, (in, out), so the forward is one matmul. Several projections that read the
 * same input are stored side by side along out (fused q/k/v, gate/up).
 *
 * <p>W is a float32 tensor, a float16 one when the model keeps a 16-bit checkpoint's frozen weights at half the memory
 * ({@link WeightStorage#HALF}), or none at all when another runtime of the process holds the matrix ({@link
 * ExternalWeights}). A float16 or external W is widened to float32 for each matmul and the widened copy is released
 * right after it: the arithmetic is float32 either way, and without autograd only one matrix is ever widened. (Under
 * autograd the graph keeps each widened copy until the backward pass; {@link BlockwiseBackward} bounds that to one
 * block.)
 *
 * @param weight W (in, out), or null when {@code external} holds it
 * @param external W held by another runtime, or null
 */
public record Linear(NDArray weight, External external, NDArray bias) {

    /**
     * A frozen W (in, out) that another runtime holds.
     *
     * @param fill writes W as float32, row-major, native byte order, to a segment of exactly in·out floats
     */
    public record External(long inFeatures, long outFeatures, Consumer<MemorySegment> fill) {
        public External {
            if (inFeatures <= 0 || outFeatures <= 0)
                throw new IllegalArgumentException("a matrix of " + inFeatures + " × " + outFeatures);
            if (fill == null) throw new IllegalArgumentException("fill is required");
        }
    }

    public Linear {
        if ((weight == null) == (external == null))
            throw new IllegalArgumentException("exactly one of weight and external");
        if (weight != null && weight.getShape().dimension() != 2)
            throw new IllegalArgumentException("weight must be (in, out)");
        if (weight != null && weight.getDataType() != DataType.FLOAT32 && weight.getDataType() != DataType.FLOAT16)
            throw new IllegalArgumentException("weight must be float32 or float16, not " + weight.getDataType());
    }

    /** A matrix held as a tensor. */
    public Linear(NDArray weight, NDArray bias) {
        this(weight, null, bias);
    }

    public long inFeatures() {
        return weight != null ? weight.getShape().get(0) : external.inFeatures();
    }

    public long outFeatures() {
        return weight != null ? weight.getShape().get(1) : external.outFeatures();
    }

    /** Whether W is widened to float32 for each use: held as float16, or by another runtime. */
    public boolean widened() {
        return weight == null || weight.getDataType() != DataType.FLOAT32;
    }

    /** (B, T, in) → (B, T, out). */
    public NDArray forward(NDArray x) {
        NDArray y;
        if (weight != null && weight.getDataType() == DataType.FLOAT32) {
            y = x.matMul(weight); // (B, T, out)
        } else {
            // The widened copy belongs to PyTorch: closing our handle leaves autograd its own reference if it saved W.
            try (NDArray w = weight != null ? weight.toType(DataType.FLOAT32, true) : widen(x.getManager())) {
                y = x.matMul(w); // (B, T, out)
            }
        }
        return bias == null ? y : y.add(bias);
    }

    /** The external W as a float32 tensor whose memory PyTorch allocated (and so keeps for autograd), (in, out). */
    private NDArray widen(NDManager m) {
        NDArray w = m.create(new Shape(external.inFeatures(), external.outFeatures()), DataType.FLOAT32);
        ByteBuffer memory = w.toByteBuffer(true); // the tensor's own memory: a fresh tensor is contiguous
        if (!memory.isDirect() || memory.capacity() != w.size() * Float.BYTES) {
            w.close();
            throw new IllegalStateException("PyTorch gave no direct view of a fresh float32 tensor");
        }
        external.fill().accept(MemorySegment.ofBuffer(memory));
        return w;
    }
}
