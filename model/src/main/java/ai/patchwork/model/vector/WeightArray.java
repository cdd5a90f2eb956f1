package ai.patchwork.model.vector;

/**
 * Weight values held in float32, in bfloat16 when every one of them is exactly a bfloat16 (weights of a BF16
 * checkpoint: half the bytes, the same values), or, for adapter slots that ask for it ({@link AdapterStorage#INT16}),
 * as 16-bit integers whose scales the owner keeps. Exactly one of the three arrays is set.
 *
 * @param f32 the values, or null when held in fewer bits
 * @param bf16 the upper 16 bits of each value, or null
 * @param i16 the integer values ({@link Int16}), or null
 */
record WeightArray(float[] f32, short[] bf16, short[] i16) {

    WeightArray {
        int set = (f32 == null ? 0 : 1) + (bf16 == null ? 0 : 1) + (i16 == null ? 0 : 1);
        if (set != 1) throw new IllegalArgumentException("exactly one of float32, bfloat16 and 16-bit integer values");
    }

    /** These values, in bfloat16 if {@link Bf16#exact} holds for all of them, else in float32. */
    static WeightArray of(float[] values) {
        return Bf16.exact(values)
                ? new WeightArray(null, Bf16.narrow(values), null)
                : new WeightArray(values, null, null);
    }

    /** Integer values ({@link Int16#quantize}'s) as 16-bit integers. */
    static WeightArray int16(float[] integers) {
        return new WeightArray(null, null, Int16.narrow(integers));
    }

    /** Whether the values are held in bfloat16. */
    boolean half() {
        return bf16 != null;
    }

    long bytes() {
        if (f32 != null) return (long) Float.BYTES * f32.length;
        return (long) Short.BYTES * (half() ? bf16.length : i16.length);
    }

    /** dst[dOff .. dOff + len) = values [off .. off + len) as float32 (16-bit integers unscaled). */
    void copyTo(int off, float[] dst, int dOff, int len) {
        if (f32 != null) System.arraycopy(f32, off, dst, dOff, len);
        else if (half()) Bf16.widen(bf16, off, dst, dOff, len);
        else Int16.widen(i16, off, dst, dOff, len);
    }
}
