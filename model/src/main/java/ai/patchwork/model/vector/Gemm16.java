package ai.patchwork.model.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Gemm#matvec} for weights held as 16-bit integers ({@link Int16}), packed as
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

    private static void checkWidth(int k) {
        if (k % L != 0) throw new IllegalArgumentException("k must be a multiple of " + L);
    }

    /** Four outputs of one x row; {@code wb}: the value where the block of 4 packed W rows starts. */
    private static void tile1x4(float[] x, int x0, short[] w, int wb, float[] y, int o, int k) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector c0 = zero, c1 = zero, c2 = zero, c3 = zero;
        for (int p = 0, wp = wb; p < k; p += L, wp += 4 * L) {
            FloatVector a = FloatVector.fromArray(S, x, x0 + p);
            c0 = a.fma(Int16.load(w, wp), c0);
            c1 = a.fma(Int16.load(w, wp + L), c1);
            c2 = a.fma(Int16.load(w, wp + 2 * L), c2);
            c3 = a.fma(Int16.load(w, wp + 3 * L), c3);
        }
        Gemm.reduce4(c0, c1, c2, c3, y, o);
    }

    /** One row past a multiple of 4, stored whole at value {@code wo}. */
    private static float dot(float[] x, int xo, short[] w, int wo, int k) {
        FloatVector acc = FloatVector.zero(S);
        for (int p = 0; p < k; p += L) acc = FloatVector.fromArray(S, x, xo + p).fma(Int16.load(w, wo + p), acc);
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
