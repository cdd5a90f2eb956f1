package ai.patchwork.model.nn;

import ai.djl.ndarray.NDArray;

/**
 * y = x·Wᵀ + b with W stored transposed, (in, out), so the forward is one matmul. Several projections that read the
 * same input are stored side by side along out (fused q/k/v, gate/up).
 */
public record Linear(NDArray weight, NDArray bias) {

    public Linear {
        if (weight.getShape().dimension() != 2) throw new IllegalArgumentException("weight must be (in, out)");
    }

    public long inFeatures() {
        return weight.getShape().get(0);
    }

    public long outFeatures() {
        return weight.getShape().get(1);
    }

    /** (B, T, in) → (B, T, out). */
    public NDArray forward(NDArray x) {
        NDArray y = x.matMul(weight); // (B, T, out)
        return bias == null ? y : y.add(bias);
    }
}
