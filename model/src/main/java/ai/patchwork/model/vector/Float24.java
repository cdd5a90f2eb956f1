package ai.patchwork.model.vector;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * 24-bit floats: the upper three bytes of a float32 (sign, 8-bit exponent, 15 of its 23 mantissa bits), rounded to
 * nearest, ties to even, so each value is within a relative 2⁻¹⁶ of the float32 it came from; zeros, infinities and
 * every bfloat16 are exact. Three bytes per value, little-endian as in a float32: byte 3i holds bits 8..15, 3i + 1
 * bits 16..23, 3i + 2 bits 24..31.
 *
 * <p>{@link #load} turns L of them back into a float vector with one byte permutation: the 3L bytes are spread to
 * the upper three bytes of L four-byte lanes and the lowest byte of each lane is zeroed (a single {@code vpermb} with
 * a zeroing mask on AVX-512). It reads 4L bytes, so an array holds L bytes past its last value ({@link #narrow}).
 */
final class Float24 {

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  private static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, S.vectorShape()); // 4L lanes
  private static final VectorShuffle<Byte> SPREAD; // lane 4i + j ← byte 3i + j - 1 (j = 1, 2, 3)
  private static final VectorMask<Byte> UPPER; // lanes 4i + 1 .. 4i + 3: lane 4i, the low byte, becomes zero

  static {
    int[] from = new int[4 * L];
    boolean[] upper = new boolean[4 * L];
    for (int lane = 0; lane < 4 * L; lane++) {
      int value = lane / 4;
      int b = lane % 4;
      from[lane] = b == 0 ? 0 : 3 * value + b - 1;
      upper[lane] = b != 0;
    }
    SPREAD = VectorShuffle.fromArray(BYTES, from, 0);
    UPPER = VectorMask.fromArray(BYTES, upper, 0);
  }

  private Float24() {}

  /** The upper 24 bits of {@code v}'s float32 bits, rounded to nearest, ties to even (a NaN stays a NaN). */
  static int round(float v) {
    if (Float.isNaN(v)) return 0x7fc000; // a quiet NaN: rounding could carry a NaN's mantissa into its sign
    int bits = Float.floatToRawIntBits(v);
    return (bits + 0x7f + ((bits >>> 8) & 1)) >>> 8;
  }

  /** {@code v} as the 24-bit float nearest to it holds it. */
  static float rounded(float v) {
    return Float.intBitsToFloat(round(v) << 8);
  }

  /** The values rounded to 24 bits, three bytes each, then L bytes of padding that {@link #load} may read. */
  static byte[] narrow(float[] values) {
    byte[] out = new byte[3 * values.length + L];
    for (int i = 0; i < values.length; i++) {
      int h = round(values[i]);
      out[3 * i] = (byte) h;
      out[3 * i + 1] = (byte) (h >>> 8);
      out[3 * i + 2] = (byte) (h >>> 16);
    }
    return out;
  }

  /** Value {@code i} of {@code w} as a float32. */
  static float value(byte[] w, int i) {
    return Float.intBitsToFloat((w[3 * i] & 0xff) << 8 | (w[3 * i + 1] & 0xff) << 16 | w[3 * i + 2] << 24);
  }

  /** Values i .. i + L of {@code w} as float32 lanes. */
  static FloatVector load(byte[] w, int i) {
    return ByteVector.fromArray(BYTES, w, 3 * i).rearrange(SPREAD, UPPER).reinterpretAsFloats();
  }

  /** dst[dOff .. dOff + len) = the float32 values of src's values off .. off + len, L at a time. */
  static void widen(byte[] src, int off, float[] dst, int dOff, int len) {
    int v = len - len % L;
    for (int i = 0; i < v; i += L) load(src, off + i).intoArray(dst, dOff + i);
    for (int i = v; i < len; i++) dst[dOff + i] = value(src, off + i);
  }
}
