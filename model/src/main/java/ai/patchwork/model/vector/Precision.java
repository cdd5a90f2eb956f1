package ai.patchwork.model.vector;

import ai.patchwork.model.safetensors.DType;

/**
 * How the base weights of the CPU runtime are held: in the checkpoint's own 16-bit format, widened to float32 in
 * registers as the kernels load them ({@link Bf16#load}, {@link F16#load}), in float32, or quantized to int8 with a
 * scale per 32 values ({@link Q8}, when asked for), or as bfloat16 or int8 in oneDNN's layouts ({@link Matmul#NATIVE}).
 */
enum Precision {
    F32(4),
    BF16(2),
    F16(2),
    Q8_0(1),
    /** bfloat16 in oneDNN's blocked layout ({@link OneDnn#pack}), read by {@link NativeGemm} only. */
    BF16_BLOCKED(2),
    /**
     * {@link #Q8_0}'s values and scales in the layout oneDNN's int8-weight matmul reads ({@link Q8Rows}): rows whole,
     * scales grouped by pieces of columns; multiplied by {@link NativeGemm}, a single x row by {@link Q8Rows#dots}.
     */
    Q8_0_ROWS(1);

    private final int bytes;

    Precision(int bytes) {
        this.bytes = bytes;
    }

    /** Whether values are int8 with a float32 scale per {@link Q8#GROUP} of a row. */
    boolean int8() {
        return this == Q8_0 || this == Q8_0_ROWS;
    }

    /** Whether only {@link NativeGemm} multiplies more than one x row by such weights. */
    boolean oneDnn() {
        return this == BF16_BLOCKED || this == Q8_0_ROWS;
    }

    /** Bytes per value. */
    int bytes() {
        return bytes;
    }

    /** The precision that holds a checkpoint tensor's values exactly and in as few bytes (F64 is narrowed to F32). */
    static Precision of(DType dtype) {
        return switch (dtype) {
            case F32, F64 -> F32;
            case BF16 -> BF16;
            case F16 -> F16;
            default -> throw new IllegalArgumentException(dtype + " is not a floating-point type");
        };
    }
}
