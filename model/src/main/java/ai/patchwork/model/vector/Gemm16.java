package ai.patchwork.model.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Gemm#matvec} and {@link Gemm#matvecPair} for weights held as 16-bit integers ({@link Int16}), packed as
 * {@link Gemm#pack} lays them out, k a multiple of the vector length: the LoRA shrinks (A·x) of adapter slots held in
 * {@link AdapterStorage#INT16}, before their scales. The same tiles and sums as the float32 kernels on the integer
 * values; each vector of weights is widened in registers as it is loaded, so half the bytes come from memory.
 */
final class Gemm16 {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private Gemm16() {}

    /** y[yo .. yo + n) = x[xo .. xo + k) · wᵀ for one x row, W (n, k) packed at value {@code wo} of {@code w}. */
    static void matvec(float[] x, int xo, short[] w, int wo, int n, int k, float[] y, int yo) {
        checkWidth(k);
        int n4 = n - n % 4;
        for (int j = 0; j < n4; j += 4) tile1x4(x, xo, w, wo + j * k, y, yo + j, k);
        for (int j = n4; j < n; j++) y[yo + j] = dot(x, xo, w, wo + j * k, k);
    }

    /**
     * Two x rows against two matrices at once, each (n, k) packed, n a multiple of 4: y0 = x[xo0 ..]·w0ᵀ and
     * y1 = x[xo1 ..]·w1ᵀ, with the same sums as two {@link #matvec} calls; the two matrices are read side by side.
     */
    static void matvecPair(
            float[] x,
            int xo0,
            short[] w0,
            int wo0,
            float[] y0,
            int yo0,
            int xo1,
            short[] w1,
            int wo1,
            float[] y1,
            int yo1,
            int n,
            int k) {
        checkWidth(k);
        if (n % 4 != 0) throw new IllegalArgumentException("n must be a multiple of 4");
        for (int j = 0; j < n; j += 4)
            tile1x4Pair(x, xo0, w0, wo0 + j * k, y0, yo0 + j, xo1, w1, wo1 + j * k, y1, yo1 + j, k);
    }

    private static void checkWidth(int k) {
        if (k % L != 0) throw new IllegalArgumentException("k must be a multiple of " + L);
    }

    /** Four outputs of one x row; {@code wb}: the value where the block of 4 packed W rows starts. */
    private static void tile1x4(float[] x, int x0, short[] w, int wb, float[] y, int o, int k) {
        FloatVector c0 = FloatVector.zero(S),
                c1 = FloatVector.zero(S),
                c2 = FloatVector.zero(S),
                c3 = FloatVector.zero(S);
        for (int p = 0, wp = wb; p < k; p += L, wp += 4 * L) {
            FloatVector a = FloatVector.fromArray(S, x, x0 + p);
            c0 = a.fma(Int16.load(w, wp), c0);
            c1 = a.fma(Int16.load(w, wp + L), c1);
            c2 = a.fma(Int16.load(w, wp + 2 * L), c2);
            c3 = a.fma(Int16.load(w, wp + 3 * L), c3);
        }
        Gemm.reduce4(c0, c1, c2, c3, y, o);
    }

    /** {@link #tile1x4} for two rows against two packed blocks. */
    private static void tile1x4Pair(
            float[] x,
            int x0,
            short[] w,
            int wb,
            float[] y,
            int o,
            int x1,
            short[] v,
            int vb,
            float[] z,
            int q,
            int k) {
        FloatVector c0 = FloatVector.zero(S),
                c1 = FloatVector.zero(S),
                c2 = FloatVector.zero(S),
                c3 = FloatVector.zero(S);
        FloatVector d0 = FloatVector.zero(S),
                d1 = FloatVector.zero(S),
                d2 = FloatVector.zero(S),
                d3 = FloatVector.zero(S);
        for (int p = 0, wp = wb, vp = vb; p < k; p += L, wp += 4 * L, vp += 4 * L) {
            FloatVector a = FloatVector.fromArray(S, x, x0 + p);
            FloatVector b = FloatVector.fromArray(S, x, x1 + p);
            c0 = a.fma(Int16.load(w, wp), c0);
            d0 = b.fma(Int16.load(v, vp), d0);
            c1 = a.fma(Int16.load(w, wp + L), c1);
            d1 = b.fma(Int16.load(v, vp + L), d1);
            c2 = a.fma(Int16.load(w, wp + 2 * L), c2);
            d2 = b.fma(Int16.load(v, vp + 2 * L), d2);
            c3 = a.fma(Int16.load(w, wp + 3 * L), c3);
            d3 = b.fma(Int16.load(v, vp + 3 * L), d3);
        }
        Gemm.reduce4(c0, c1, c2, c3, y, o);
        Gemm.reduce4(d0, d1, d2, d3, z, q);
    }

    /** One row past a multiple of 4, stored whole at value {@code wo}. */
    private static float dot(float[] x, int xo, short[] w, int wo, int k) {
        FloatVector acc = FloatVector.zero(S);
        for (int p = 0; p < k; p += L) acc = FloatVector.fromArray(S, x, xo + p).fma(Int16.load(w, wo + p), acc);
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
