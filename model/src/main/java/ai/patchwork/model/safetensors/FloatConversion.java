package ai.patchwork.model.safetensors;

import java.nio.ByteBuffer;

/** Widening of stored floating-point formats to float32. */
final class FloatConversion {
    private FloatConversion() {}

    static float[] toFloats(DType dtype, ByteBuffer in, int n, String name) {
        float[] out = new float[n];
        read(dtype, in, 0, out, 0, n, name);
        return out;
    }

    /** out[off .. off + n) = values [from .. from + n) of the tensor whose little-endian bytes are {@code in}. */
    static void read(DType dtype, ByteBuffer in, int from, float[] out, int off, int n, String name) {
        switch (dtype) {
            case F32 -> in.asFloatBuffer().get(from, out, off, n);
            case F16 -> {
                for (int i = 0; i < n; i++) out[off + i] = Float.float16ToFloat(in.getShort(2 * (from + i)));
            }
            case BF16 -> {
                // bfloat16 is the upper half of a float32.
                for (int i = 0; i < n; i++)
                    out[off + i] = Float.intBitsToFloat((in.getShort(2 * (from + i)) & 0xffff) << 16);
            }
            case F64 -> {
                for (int i = 0; i < n; i++) out[off + i] = (float) in.getDouble(8 * (from + i));
            }
            default ->
                throw new SafetensorsException("tensor '" + name + "' is " + dtype + ", not a floating-point type");
        }
    }

    /** Rounds float32 to bfloat16 bits (round to nearest even), for writing BF16 fixtures. */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) 0x7fc0;
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
