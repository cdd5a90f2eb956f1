package ai.patchwork.model.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The LoRA expand y += s·B·t (t = A·x, r values) for adapter slots, and the layout of s·B it reads.
 *
 * <p>Layout: out is cut into SIMD chunks of L, and whole chunks into groups of 4. Chunk c holds, for each rank k, the
 * L values s·B[cL .. cL+L, k] (zero past out); within a group the four chunks' vectors of rank k lie side by side,
 * rank after rank. The expand then keeps four output chunks in registers, four independent chains of r multiply-adds
 * sharing one broadcast of each t[k] (one chunk at a time is a chain of r dependent multiply-adds, bound by their
 * latency), while it reads the group as one sequential stream. Chunks past the last group (and the partial chunk)
 * hold their ranks one after another.
 *
 * <p>The kernels take s·B in float32 or as 16-bit integers ({@link Int16}, the scales applied to t before); those for
 * two rows read two adapters' s·B side by side (twice the cache misses in flight) and, like the 16-bit ones, take
 * whole groups only.
 */
final class Expand {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int STRIDE = 4 * L; // values from one rank's group of vectors to the next

    private Expand() {}

    /** SIMD chunks of an output of width {@code out}. */
    static int chunks(int out) {
        return (out + L - 1) / L;
    }

    /** Whether the two-row and 16-bit kernels take an output of width {@code out}: whole groups of 4 chunks. */
    static boolean whole(int out) {
        return out % STRIDE == 0;
    }

    /** Writes s·B (out, r) row-major into the layout at {@code dst[off ..]}; returns the floats written. */
    static int layout(float[] sb, int out, int r, float[] dst, int off) {
        int full = out / L;
        int grouped = full - full % 4;
        for (int o = 0; o < out; o++) {
            int c = o / L;
            for (int k = 0; k < r; k++) {
                int at = c < grouped
                        ? (c - c % 4) * r * L
                                + (k * 4 + c % 4) * L // group of chunks c - c % 4 ..: rank k's four vectors together
                        : (c * r + k) * L;
                dst[off + at + o % L] = sb[o * r + k];
            }
        }
        return chunks(out) * r * L;
    }

    /** y[yo .. yo + out) += B·t, B in the layout with rank r at {@code bp[bo ..]}. */
    static void expand(float[] t, int r, float[] bp, int bo, int out, float[] y, int yo) {
        int full = out / L;
        int grouped = full - full % 4;
        for (int c = 0; c < grouped; c += 4) {
            int o = yo + c * L;
            FloatVector y0 = FloatVector.fromArray(S, y, o);
            FloatVector y1 = FloatVector.fromArray(S, y, o + L);
            FloatVector y2 = FloatVector.fromArray(S, y, o + 2 * L);
            FloatVector y3 = FloatVector.fromArray(S, y, o + 3 * L);
            for (int k = 0, b = bo + c * r * L; k < r; k++, b += STRIDE) {
                FloatVector tk = FloatVector.broadcast(S, t[k]);
                y0 = FloatVector.fromArray(S, bp, b).fma(tk, y0);
                y1 = FloatVector.fromArray(S, bp, b + L).fma(tk, y1);
                y2 = FloatVector.fromArray(S, bp, b + 2 * L).fma(tk, y2);
                y3 = FloatVector.fromArray(S, bp, b + 3 * L).fma(tk, y3);
            }
            store(y0, y1, y2, y3, y, o);
        }
        for (int c = grouped; c < full; c++) {
            FloatVector acc = FloatVector.fromArray(S, y, yo + c * L);
            int base = bo + c * r * L;
            for (int k = 0; k < r; k++)
                acc = FloatVector.fromArray(S, bp, base + k * L).fma(FloatVector.broadcast(S, t[k]), acc);
            acc.intoArray(y, yo + c * L);
        }
        for (int lane = 0; lane < out - full * L; lane++) {
            float s = 0;
            for (int k = 0; k < r; k++) s += t[k] * bp[bo + (full * r + k) * L + lane];
            y[yo + full * L + lane] += s;
        }
    }

    /** y[o .. o + 4L) = four output chunks. */
    private static void store(FloatVector y0, FloatVector y1, FloatVector y2, FloatVector y3, float[] y, int o) {
        y0.intoArray(y, o);
        y1.intoArray(y, o + L);
        y2.intoArray(y, o + 2 * L);
        y3.intoArray(y, o + 3 * L);
    }

    /**
     * {@link #expand} for two rows at once (t at t0 and t1), {@link #whole} groups only, each adapter's s·B in float32
     * or as 16-bit integers ({@link WeightArray#f32} or {@link WeightArray#i16}).
     */
    static void expandPair(
            float[] t,
            int t0,
            WeightArray b0,
            int bo0,
            float[] y,
            int yo0,
            int t1,
            WeightArray b1,
            int bo1,
            int yo1,
            int r,
            int out) {
        float[] f0 = b0.f32(), f1 = b1.f32();
        short[] q0 = b0.i16(), q1 = b1.i16();
        for (int c = 0; c < out / L; c += 4) {
            int o = yo0 + c * L;
            int q = yo1 + c * L;
            FloatVector y0 = FloatVector.fromArray(S, y, o);
            FloatVector y1 = FloatVector.fromArray(S, y, o + L);
            FloatVector y2 = FloatVector.fromArray(S, y, o + 2 * L);
            FloatVector y3 = FloatVector.fromArray(S, y, o + 3 * L);
            FloatVector z0 = FloatVector.fromArray(S, y, q);
            FloatVector z1 = FloatVector.fromArray(S, y, q + L);
            FloatVector z2 = FloatVector.fromArray(S, y, q + 2 * L);
            FloatVector z3 = FloatVector.fromArray(S, y, q + 3 * L);
            for (int k = 0, b = bo0 + c * r * L, e = bo1 + c * r * L; k < r; k++, b += STRIDE, e += STRIDE) {
                FloatVector tk = FloatVector.broadcast(S, t[t0 + k]);
                FloatVector uk = FloatVector.broadcast(S, t[t1 + k]);
                y0 = Int16.load(f0, q0, b).fma(tk, y0);
                z0 = Int16.load(f1, q1, e).fma(uk, z0);
                y1 = Int16.load(f0, q0, b + L).fma(tk, y1);
                z1 = Int16.load(f1, q1, e + L).fma(uk, z1);
                y2 = Int16.load(f0, q0, b + 2 * L).fma(tk, y2);
                z2 = Int16.load(f1, q1, e + 2 * L).fma(uk, z2);
                y3 = Int16.load(f0, q0, b + 3 * L).fma(tk, y3);
                z3 = Int16.load(f1, q1, e + 3 * L).fma(uk, z3);
            }
            store(y0, y1, y2, y3, y, o);
            store(z0, z1, z2, z3, y, q);
        }
    }

    /** {@link #expand} of s·B held as 16-bit integers, {@link #whole} groups only. */
    static void expand16(float[] t, int r, short[] bp, int bo, int out, float[] y, int yo) {
        for (int c = 0; c < out / L; c += 4) {
            int o = yo + c * L;
            FloatVector y0 = FloatVector.fromArray(S, y, o);
            FloatVector y1 = FloatVector.fromArray(S, y, o + L);
            FloatVector y2 = FloatVector.fromArray(S, y, o + 2 * L);
            FloatVector y3 = FloatVector.fromArray(S, y, o + 3 * L);
            for (int k = 0, b = bo + c * r * L; k < r; k++, b += STRIDE) {
                FloatVector tk = FloatVector.broadcast(S, t[k]);
                y0 = Int16.load(bp, b).fma(tk, y0);
                y1 = Int16.load(bp, b + L).fma(tk, y1);
                y2 = Int16.load(bp, b + 2 * L).fma(tk, y2);
                y3 = Int16.load(bp, b + 3 * L).fma(tk, y3);
            }
            store(y0, y1, y2, y3, y, o);
        }
    }
}
