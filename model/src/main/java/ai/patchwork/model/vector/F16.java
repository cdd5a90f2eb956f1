package ai.patchwork.model.vector;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * IEEE half precision (float16) weights widened to float32 in registers. The 15 bits below the sign, shifted into a
 * float32's exponent and mantissa and multiplied by 2¹¹², give the value exactly, subnormals included; the sign is
 * put back afterwards. Infinities and NaNs would come out wrong, so the packer refuses them ({@link #finite}).
 */
final class F16 {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final float BIAS = 0x1p112f; // 2^(127 - 15): float32's exponent bias over float16's

    private F16() {}

    /** The L values at byte {@code offset} of {@code s} as float32 lanes. */
    static FloatVector load(MemorySegment s, long offset) {
        ShortVector h = ShortVector.fromMemorySegment(Bf16.SHORTS, s, offset, ByteOrder.LITTLE_ENDIAN);
        IntVector bits = (IntVector) h.convertShape(VectorOperators.S2I, Bf16.INTS, 0); // sign-extended
        FloatVector magnitude = bits.and(0x7fff)
                .lanewise(VectorOperators.LSHL, 13)
                .reinterpretAsFloats()
                .mul(BIAS);
        IntVector sign = bits.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        return magnitude.reinterpretAsInts().or(sign).reinterpretAsFloats();
    }

    /** dst[dOff .. dOff + len) = the float32 values of the {@code len} halves at byte {@code offset} of {@code s}. */
    static void widen(MemorySegment s, long offset, float[] dst, int dOff, int len) {
        int v = len - len % L;
        for (int i = 0; i < v; i += L) load(s, offset + 2L * i).intoArray(dst, dOff + i);
        for (int i = v; i < len; i++) dst[dOff + i] = get(s, offset + 2L * i);
    }

    /** One value, as {@link Float#float16ToFloat}: the reference {@link #load} is tested against. */
    static float get(MemorySegment s, long offset) {
        return Float.float16ToFloat(s.get(Bf16.SHORT_LE, offset));
    }

    /** Whether no half at byte offsets [from, to) of {@code s} is an infinity or a NaN (exponent bits all ones). */
    static boolean finite(MemorySegment s, long from, long to) {
        for (long o = from; o < to; o += 2) {
            if ((s.get(Bf16.SHORT_LE, o) & 0x7c00) == 0x7c00) return false;
        }
        return true;
    }
}
