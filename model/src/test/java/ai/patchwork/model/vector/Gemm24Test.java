package ai.patchwork.model.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The 24-bit shrink kernels against the plain loop on the rounded weights, and the pair against two single rows. */
class Gemm24Test {

  private static final int L = FloatVector.SPECIES_PREFERRED.length();

  @ParameterizedTest
  @CsvSource({"4, 1", "8, 16", "7, 2", "1, 3", "16, 48"})
  void matvecEqualsThePlainLoopOnTheRoundedWeights(int n, int vectors) {
    int k = vectors * L;
    SplittableRandom r = new SplittableRandom(n * 31L + k);
    float[] x = GemmTest.random(2 * k, r);
    float[] w = GemmTest.random(n * k, r);
    float[] rounded = new float[w.length];
    for (int i = 0; i < w.length; i++) rounded[i] = Float24.rounded(w[i]);
    float[] packed = new float[3 + n * k];
    Gemm.pack(w, n, k, packed, 3);
    float[] want = new float[n];
    Gemm.reference(java.util.Arrays.copyOfRange(x, k, 2 * k), 1, k, rounded, n, want);
    float[] got = new float[n + 2];
    Gemm24.matvec(x, k, Float24.narrow(packed), 3, n, k, got, 2);
    for (int j = 0; j < n; j++) assertEquals(want[j], got[2 + j], 1e-6 * Math.sqrt(k), "output " + j);
  }

  @ParameterizedTest
  @CsvSource({"4, 1", "8, 4", "16, 16"})
  void matvecPairEqualsTwoMatvecs(int n, int vectors) {
    int k = vectors * L;
    SplittableRandom r = new SplittableRandom(n * 17L + k);
    float[] x = GemmTest.random(3 * k, r);
    float[] p0 = new float[5 + n * k];
    float[] p1 = new float[n * k];
    Gemm.pack(GemmTest.random(n * k, r), n, k, p0, 5);
    Gemm.pack(GemmTest.random(n * k, r), n, k, p1, 0);
    byte[] w0 = Float24.narrow(p0);
    byte[] w1 = Float24.narrow(p1);
    float[] want0 = new float[n];
    float[] want1 = new float[n];
    Gemm24.matvec(x, k, w0, 5, n, k, want0, 0);
    Gemm24.matvec(x, 2 * k, w1, 0, n, k, want1, 0);
    float[] got = new float[2 * n + 3];
    Gemm24.matvecPair(x, k, w0, 5, got, 1, 2 * k, w1, 0, got, n + 3, n, k);
    for (int j = 0; j < n; j++) {
      assertEquals(want0[j], got[1 + j], 1e-6 * Math.sqrt(k), "row 0, output " + j);
      assertEquals(want1[j], got[n + 3 + j], 1e-6 * Math.sqrt(k), "row 1, output " + j);
    }
    assertThrows(IllegalArgumentException.class, () -> Gemm24.matvecPair(x, 0, w0, 0, got, 0, 0, w1, 0, got, 0, 6, k));
    assertThrows(IllegalArgumentException.class, () -> Gemm24.matvec(x, 0, w0, 0, n, k + 1, got, 0));
  }
}
