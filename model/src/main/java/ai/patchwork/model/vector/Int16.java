package ai.patchwork.model.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Weights as 16-bit integers with one float scale per group: a group (a row of a LoRA A, a column of s·B) is divided
 * by its largest magnitude over 32767 and rounded to the nearest integer, so each weight is within half a step,
 * 1/65534 of the group's largest, of its value. The kernels multiply by the integers, widened to floats in registers
 * ({@link #load}: a sign extension and a conversion), and apply the scale once to the group's result.
 */
final class Int16 {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final VectorSpecies<Short> SHORTS = VectorSpecies.of(short.class, VectorShape.forBitSize(16 * L));
    static final int MAX = 32767;

    private Int16() {}

    /**
     * Rounds the group {@code v[start + i·step]}, i in [0, n), to integers of magnitude at most {@link #MAX}, written
     * (as floats, exactly) to the same places of {@code q}, and returns the scale: the group is {@code q} times it.
     * A group of zeros has scale 0.
     */
    static float quantize(float[] v, int start, int n, int step, float[] q) {
        double max = 0;
        for (int i = 0, at = start; i < n; i++, at += step) {
            if (!Float.isFinite(v[at])) throw new IllegalArgumentException("not a finite weight: " + v[at]);
            max = Math.max(max, Math.abs(v[at]));
        }
        double scale = max / MAX;
        for (int i = 0, at = start; i < n; i++, at += step) q[at] = scale == 0 ? 0 : (float) Math.rint(v[at] / scale);
        return (float) scale;
    }

    /** Integer-valued floats (from {@link #quantize}) as 16-bit integers. */
    static short[] narrow(float[] q) {
        short[] out = new short[q.length];
        for (int i = 0; i < q.length; i++) {
            if (q[i] != Math.rint(q[i]) || Math.abs(q[i]) > MAX)
                throw new IllegalArgumentException("not a 16-bit integer: " + q[i]);
            out[i] = (short) q[i];
        }
        return out;
    }

    /** Values i .. i + L of {@code w} as float lanes. */
    static FloatVector load(short[] w, int i) {
        return (FloatVector) ShortVector.fromArray(SHORTS, w, i).convertShape(VectorOperators.S2F, S, 0);
    }

    /**
     * Values i .. i + L as float lanes of float32 values {@code f}, or, when {@code f} is null, of 16-bit integers
     * {@code q}: for kernels that take a {@link WeightArray} either way (the test is the same for the whole loop).
     */
    static FloatVector load(float[] f, short[] q, int i) {
        return f != null ? FloatVector.fromArray(S, f, i) : load(q, i);
    }

    /** dst[dOff .. dOff + len) = src[off .. off + len) as floats, L at a time. */
    static void widen(short[] src, int off, float[] dst, int dOff, int len) {
        int v = len - len % L;
        for (int i = 0; i < v; i += L) load(src, off + i).intoArray(dst, dOff + i);
        for (int i = v; i < len; i++) dst[dOff + i] = src[off + i];
    }
}
