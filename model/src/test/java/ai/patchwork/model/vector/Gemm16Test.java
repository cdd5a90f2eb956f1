package ai.patchwork.model.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The 16-bit shrink kernels against the plain loop on the integer weights, and the pair against two single rows. */
class Gemm16Test {

    private static final int L = FloatVector.SPECIES_PREFERRED.length();

    /** n random 16-bit integers, as floats. */
    static float[] integers(int n, SplittableRandom r) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = r.nextInt(-Int16.MAX, Int16.MAX + 1);
        return a;
    }

    @ParameterizedTest
    @CsvSource({"4, 1", "8, 16", "7, 2", "1, 3", "16, 48"})
    void matvecEqualsThePlainLoopOnTheIntegers(int n, int vectors) {
        int k = vectors * L;
        SplittableRandom r = new SplittableRandom(n * 31L + k);
        float[] x = GemmTest.random(2 * k, r);
        float[] w = integers(n * k, r);
        float[] packed = new float[3 + n * k];
        Gemm.pack(w, n, k, packed, 3);
        float[] want = new float[n];
        Gemm.reference(java.util.Arrays.copyOfRange(x, k, 2 * k), 1, k, w, n, want);
        float[] got = new float[n + 2];
        Gemm16.matvec(x, k, Int16.narrow(packed), 3, n, k, got, 2);
        for (int j = 0; j < n; j++) assertEquals(want[j], got[2 + j], 1e-6 * Math.sqrt(k) * Int16.MAX, "output " + j);
    }

    @ParameterizedTest
    @CsvSource({"4, 1", "8, 4", "16, 16"})
    void matvecPairEqualsTwoMatvecs(int n, int vectors) {
        int k = vectors * L;
        SplittableRandom r = new SplittableRandom(n * 17L + k);
        float[] x = GemmTest.random(3 * k, r);
        float[] p0 = new float[5 + n * k];
        float[] p1 = new float[n * k];
        Gemm.pack(integers(n * k, r), n, k, p0, 5);
        Gemm.pack(integers(n * k, r), n, k, p1, 0);
        short[] w0 = Int16.narrow(p0);
        short[] w1 = Int16.narrow(p1);
        float[] want0 = new float[n];
        float[] want1 = new float[n];
        Gemm16.matvec(x, k, w0, 5, n, k, want0, 0);
        Gemm16.matvec(x, 2 * k, w1, 0, n, k, want1, 0);
        float[] got = new float[2 * n + 3];
        Gemm.matvecPair(x, k, i16(w0), 5, got, 1, 2 * k, i16(w1), 0, got, n + 3, n, k);
        for (int j = 0; j < n; j++) {
            assertEquals(want0[j], got[1 + j], 1e-6 * Math.sqrt(k) * Int16.MAX, "row 0, output " + j);
            assertEquals(want1[j], got[n + 3 + j], 1e-6 * Math.sqrt(k) * Int16.MAX, "row 1, output " + j);
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> Gemm.matvecPair(x, 0, i16(w0), 0, got, 0, 0, i16(w1), 0, got, 0, 6, k));
        assertThrows(IllegalArgumentException.class, () -> Gemm16.matvec(x, 0, w0, 0, n, k + 1, got, 0));
    }

    static WeightArray i16(short[] integers) {
        return new WeightArray(null, null, integers);
    }
}
