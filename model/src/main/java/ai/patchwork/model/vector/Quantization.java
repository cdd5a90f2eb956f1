package ai.patchwork.model.vector;

/** How the CPU runtime holds a base model's weights. */
public enum Quantization {
    /** In the checkpoint's own precision (BF16, F16 or F32): the checkpoint's values exactly. */
    NONE,
    /**
     * Block-wise int8 as llama.cpp's Q8_0: a float32 scale per 32 values of a row, each value within half a step of the
     * original; about half the bytes of BF16, so a memory-bound decode step reads half as much. Rows whose length is not
     * a multiple of 32 stay unquantized. Norms and biases stay in float32.
     */
    INT8
}
