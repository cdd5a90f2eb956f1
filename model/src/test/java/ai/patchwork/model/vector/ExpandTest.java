package ai.patchwork.model.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The expand kernels (y += s·B·t) against a plain loop over s·B (out, r) row-major: float32 on any width (groups,
 * whole chunks past them, a partial chunk), and the two-row and 24-bit kernels on whole groups.
 */
class ExpandTest {

  private static final int L = FloatVector.SPECIES_PREFERRED.length();

  /** y[yo ..] += sb·t, in double precision. */
  private static void reference(float[] sb, int out, int r, float[] t, int t0, float[] y, int yo) {
    for (int o = 0; o < out; o++) {
      double s = 0;
      for (int k = 0; k < r; k++) s += (double) sb[o * r + k] * t[t0 + k];
      y[yo + o] += (float) s;
    }
  }

  @ParameterizedTest
  @CsvSource({"8, 4", "4, 8", "1, 5", "16, 12", "3, 9"}) // rank, chunks of L in out
  void expandEqualsThePlainLoop(int r, int chunks) {
    int out = chunks * L - (chunks % 2 == 1 ? L / 2 : 0); // odd chunk counts end in a partial chunk
    SplittableRandom g = new SplittableRandom(r * 100L + out);
    float[] sb = GemmTest.random(out * r, g);
    float[] laid = new float[2 + Expand.chunks(out) * r * L];
    assertEquals(Expand.chunks(out) * r * L, Expand.layout(sb, out, r, laid, 2));
    float[] t = GemmTest.random(r, g);
    float[] y = GemmTest.random(out + 1, g);
    float[] want = y.clone();
    reference(sb, out, r, t, 0, want, 1);
    Expand.expand(t, r, laid, 2, out, y, 1);
    for (int o = 0; o <= out; o++) assertEquals(want[o], y[o], 1e-5, "output " + o);
  }

  @ParameterizedTest
  @CsvSource({"8, 1", "4, 2", "16, 3"})
  void pairAndTwentyFourBitKernelsEqualThePlainLoop(int r, int groups) {
    int out = groups * 4 * L;
    assertTrue(Expand.whole(out));
    assertFalse(Expand.whole(out + L));
    SplittableRandom g = new SplittableRandom(r * 7L + out);
    float[] sb0 = GemmTest.random(out * r, g);
    float[] sb1 = GemmTest.random(out * r, g);
    float[] laid0 = new float[Expand.chunks(out) * r * L];
    float[] laid1 = new float[3 + Expand.chunks(out) * r * L];
    Expand.layout(sb0, out, r, laid0, 0);
    Expand.layout(sb1, out, r, laid1, 3);
    float[] t = GemmTest.random(2 * r + 1, g); // row 0's t at 0, row 1's at r + 1
    float[] y = GemmTest.random(2 * out + 5, g); // row 0 at 2, row 1 at out + 5
    float[] want = y.clone();
    reference(sb0, out, r, t, 0, want, 2);
    reference(sb1, out, r, t, r + 1, want, out + 5);
    float[] pair = y.clone();
    Expand.expandPair(t, 0, laid0, 0, pair, 2, r + 1, laid1, 3, out + 5, r, out);
    assertClose(want, pair, "float32 pair");

    float[] rounded0 = sb0.clone();
    float[] rounded1 = sb1.clone();
    for (int i = 0; i < rounded0.length; i++) {
      rounded0[i] = Float24.rounded(rounded0[i]);
      rounded1[i] = Float24.rounded(rounded1[i]);
    }
    float[] want24 = y.clone();
    reference(rounded0, out, r, t, 0, want24, 2);
    reference(rounded1, out, r, t, r + 1, want24, out + 5);
    byte[] b0 = Float24.narrow(laid0);
    byte[] b1 = Float24.narrow(laid1);
    float[] pair24 = y.clone();
    Expand.expandPair24(t, 0, b0, 0, pair24, 2, r + 1, b1, 3, out + 5, r, out);
    assertClose(want24, pair24, "24-bit pair");
    float[] single24 = y.clone();
    Expand.expand24(t, r, b0, 0, out, single24, 2);
    Expand.expand24(java.util.Arrays.copyOfRange(t, r + 1, 2 * r + 1), r, b1, 3, out, single24, out + 5);
    assertClose(want24, single24, "24-bit rows one at a time");
  }

  private static void assertClose(float[] want, float[] got, String what) {
    for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-5, what + ", output " + i);
  }
}
