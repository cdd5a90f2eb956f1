package ai.patchwork.model.vector;

/**
 * Weight values held in float32, or in bfloat16 when every one of them is exactly a bfloat16 (weights of a BF16
 * checkpoint): half the bytes, the same values. Exactly one of the two arrays is set.
 *
 * @param f32 the values, or null when held in bfloat16
 * @param bf16 the upper 16 bits of each value, or null when held in float32
 */
record WeightArray(float[] f32, short[] bf16) {

  WeightArray {
    if ((f32 == null) == (bf16 == null)) throw new IllegalArgumentException("exactly one of float32 and bfloat16 values");
  }

  /** These values, in bfloat16 if {@link Bf16#exact} holds for all of them. */
  static WeightArray of(float[] values) {
    return Bf16.exact(values) ? new WeightArray(null, Bf16.narrow(values)) : new WeightArray(values, null);
  }

  boolean half() {
    return bf16 != null;
  }

  long bytes() {
    return half() ? (long) Short.BYTES * bf16.length : (long) Float.BYTES * f32.length;
  }

  /** dst[dOff .. dOff + len) = values [off .. off + len) as float32. */
  void copyTo(int off, float[] dst, int dOff, int len) {
    if (half()) Bf16.widen(bf16, off, dst, dOff, len);
    else System.arraycopy(f32, off, dst, dOff, len);
  }
}
