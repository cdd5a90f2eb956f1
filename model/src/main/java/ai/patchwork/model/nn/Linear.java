package ai.patchwork.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * y = x·Wᵀ + b with W stored transposed, (in, out), so the forward is one matmul. Several projections that read the
 * same input are stored side by side along out (fused q/k/v, gate/up).
 *
 * <p>W is float32, or float16 when the model keeps a 16-bit checkpoint's frozen weights at half the memory
 * ({@link WeightStorage#HALF}). A float16 W is widened to float32 for each matmul and the widened copy is released
 * right after it: the arithmetic is float32 either way, and without autograd only one matrix is ever widened. (Under
 * autograd the graph keeps each widened copy until the backward pass; {@link BlockwiseBackward} bounds that to one
 * block.)
 */
public record Linear(NDArray weight, NDArray bias) {

    public Linear {
        if (weight.getShape().dimension() != 2) throw new IllegalArgumentException("weight must be (in, out)");
        if (weight.getDataType() != DataType.FLOAT32 && weight.getDataType() != DataType.FLOAT16)
            throw new IllegalArgumentException("weight must be float32 or float16, not " + weight.getDataType());
    }

    public long inFeatures() {
        return weight.getShape().get(0);
    }

    public long outFeatures() {
        return weight.getShape().get(1);
    }

    /** (B, T, in) → (B, T, out). */
    public NDArray forward(NDArray x) {
        NDArray y;
        if (weight.getDataType() == DataType.FLOAT32) {
            y = x.matMul(weight); // (B, T, out)
        } else {
            // The widened copy belongs to PyTorch: closing our handle leaves autograd its own reference if it saved W.
            try (NDArray w = weight.toType(DataType.FLOAT32, true)) {
                y = x.matMul(w); // (B, T, out)
            }
        }
        return bias == null ? y : y.add(bias);
    }
}
