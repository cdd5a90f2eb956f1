package ai.patchwork.model.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * bfloat16 storage for weights that came from a BF16 checkpoint: the upper 16 bits of a float32. A float32 whose
 * lower 16 bits are zero is exactly a bfloat16, so keeping such weights in 16 bits loses nothing and halves what a
 * matmul reads; {@link #widen} turns them back into the same float32 values before the SIMD kernels use them, and
 * {@link #load} does it in registers for weights held off the heap.
 */
final class Bf16 {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** L 16-bit lanes: the stored values of a 16-bit float format (bfloat16 here, float16 in {@link F16}). */
    static final VectorSpecies<Short> SHORTS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(S.vectorBitSize() / 2));

    /** L 32-bit integer lanes: those values widened, before they become float32 bits. */
    static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, S.vectorShape());

    /** A little-endian 16-bit value at any byte offset: how safetensors stores F16 and BF16. */
    static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Bf16() {}

    /** The L values at byte {@code offset} of {@code s} as float32 lanes: each shifted into a float32's upper half. */
    static FloatVector load(MemorySegment s, long offset) {
        ShortVector v = ShortVector.fromMemorySegment(SHORTS, s, offset, ByteOrder.LITTLE_ENDIAN);
        IntVector w = (IntVector) v.convertShape(VectorOperators.S2I, INTS, 0); // sign-extended, shifted out below
        return w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** dst[dOff .. dOff + len) = the float32 values of the {@code len} bfloat16s at byte {@code offset} of {@code s}. */
    static void widen(MemorySegment s, long offset, float[] dst, int dOff, int len) {
        int v = len - len % L;
        for (int i = 0; i < v; i += L) load(s, offset + 2L * i).intoArray(dst, dOff + i);
        for (int i = v; i < len; i++) dst[dOff + i] = get(s, offset + 2L * i);
    }

    /** One value: the plain read {@link #load} is tested against. */
    static float get(MemorySegment s, long offset) {
        return Float.intBitsToFloat((s.get(SHORT_LE, offset) & 0xffff) << 16);
    }

    /** Whether every value is exactly a bfloat16 (its lower 16 bits are zero). */
    static boolean exact(float[] a) {
        for (float v : a) {
            if ((Float.floatToRawIntBits(v) & 0xffff) != 0) return false;
        }
        return true;
    }

    /** The upper 16 bits of each value; exact when {@link #exact} holds. */
    static short[] narrow(float[] a) {
        short[] out = new short[a.length];
        for (int i = 0; i < a.length; i++) out[i] = (short) (Float.floatToRawIntBits(a[i]) >>> 16);
        return out;
    }

    /** dst[dOff .. dOff + len) = the float32 values of src[off .. off + len), L at a time. */
    static void widen(short[] src, int off, float[] dst, int dOff, int len) {
        int v = len - len % L;
        for (int i = 0; i < v; i += L) {
            ShortVector s = ShortVector.fromArray(SHORTS, src, off + i);
            IntVector w = (IntVector) s.convertShape(VectorOperators.S2I, INTS, 0); // sign-extended, shifted out below
            w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dOff + i);
        }
        for (int i = v; i < len; i++) dst[dOff + i] = Float.intBitsToFloat(src[off + i] << 16);
    }

    /** {@code v} rounded to the nearest bfloat16, ties to even; a NaN stays a (quiet) NaN. */
    static short round(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) return (short) ((bits >>> 16) | 0x40);
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    /** The bfloat16s of src[0 .. len), each as {@link #round} rounds it, at bytes [0, 2·len) of dst; L at a time. */
    static void round(float[] src, int len, MemorySegment dst) {
        int v = len - len % L;
        for (int i = 0; i < v; i += L) {
            FloatVector f = FloatVector.fromArray(S, src, i);
            IntVector bits = f.reinterpretAsInts();
            IntVector high = bits.lanewise(VectorOperators.LSHR, 16);
            IntVector nearest = bits.add(0x7fff).add(high.and(1)).lanewise(VectorOperators.LSHR, 16);
            IntVector r =
                    nearest.blend(high.or(0x40), f.test(VectorOperators.IS_NAN).cast(INTS));
            ((ShortVector) r.convertShape(VectorOperators.I2S, SHORTS, 0))
                    .intoMemorySegment(dst, 2L * i, ByteOrder.LITTLE_ENDIAN);
        }
        for (int i = v; i < len; i++) dst.set(SHORT_LE, 2L * i, round(src[i]));
    }

    /** The plain loop {@link #widen} is tested against. */
    static void widenReference(short[] src, int off, float[] dst, int dOff, int len) {
        for (int i = 0; i < len; i++) dst[dOff + i] = Float.intBitsToFloat((src[off + i] & 0xffff) << 16);
    }
}
