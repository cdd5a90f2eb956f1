package ai.patchwork.model.nn;

/**
 * How a {@link Transformer} keeps its frozen matrices (projections, embedding, LM head) in memory. Norm weights, biases
 * and rotary tables are small and always float32, and so is all arithmetic: a float16 matrix is widened for each use.
 */
public enum WeightStorage {
    /** Every weight as float32, whatever the checkpoint holds. */
    FLOAT32,

    /**
     * The matrices of a BF16 or F16 checkpoint as float16, half the memory of float32; a float32 checkpoint stays
     * float32. BF16 → float16 is exact for every value of magnitude 2⁻¹⁴ to 65504 (float16's normal range, where its 10
     * mantissa bits hold bfloat16's 7); smaller values become float16 subnormals with an absolute error of at most
     * 2⁻²⁵ ≈ 3·10⁻⁸. A matrix with a value beyond 65504 stays float32.
     */
    HALF
}
