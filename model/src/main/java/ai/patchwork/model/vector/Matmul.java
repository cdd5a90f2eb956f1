package ai.patchwork.model.vector;

/**
 * Which kernel multiplies activations by the CPU runtime's bfloat16 or int8 base weights. {@link #VECTOR}: the JDK
 * Vector API ({@link Gemm}), for every precision. {@link #NATIVE}: oneDNN's matmul ({@link NativeGemm}), whenever its
 * library loads. {@link #AUTO}: native when the library loads and the CPU has AVX-512 BF16 (bfloat16 dot-product
 * instructions, which the Vector API cannot emit), else vector. Either way the Vector API is the fallback: when the
 * library cannot load, for BF16 weights whose shape oneDNN's blocked layout does not take, for F32 and F16 weights, and
 * for single rows by int8 weights ({@link Q8Rows#dots}). Native rounds each activation to bfloat16 before the product
 * (as llama.cpp does for BF16 weights), and int8 weights times their scales too; the Vector API keeps them float32.
 */
public enum Matmul {
    AUTO,
    VECTOR,
    NATIVE;

    /** Whether BF16 and int8 weights go to oneDNN on this machine. */
    boolean nativeWeights() {
        return switch (this) {
            case VECTOR -> false;
            case AUTO -> OneDnn.available() && OneDnn.LIBRARY.bf16Instructions();
            case NATIVE -> OneDnn.available();
        };
    }
}
