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
 * whole chunks past them, a partial chunk), and the two-row and 16-bit kernels on whole groups.
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
    void pairAndSixteenBitKernelsEqualThePlainLoop(int r, int groups) {
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
        Expand.expandPair(t, 0, GemmTest.f32(laid0), 0, pair, 2, r + 1, GemmTest.f32(laid1), 3, out + 5, r, out);
        assertClose(want, pair, 1e-5, "float32 pair");

        float[] q0 = Gemm16Test.integers(out * r, g);
        float[] q1 = Gemm16Test.integers(out * r, g);
        float[] want16 = y.clone();
        reference(q0, out, r, t, 0, want16, 2);
        reference(q1, out, r, t, r + 1, want16, out + 5);
        float[] laidQ0 = new float[Expand.chunks(out) * r * L];
        float[] laidQ1 = new float[3 + Expand.chunks(out) * r * L];
        Expand.layout(q0, out, r, laidQ0, 0);
        Expand.layout(q1, out, r, laidQ1, 3);
        short[] b0 = Int16.narrow(laidQ0);
        short[] b1 = Int16.narrow(laidQ1);
        float[] pair16 = y.clone();
        Expand.expandPair(t, 0, Gemm16Test.i16(b0), 0, pair16, 2, r + 1, Gemm16Test.i16(b1), 3, out + 5, r, out);
        assertClose(want16, pair16, 1e-6 * Int16.MAX * r, "16-bit pair");
        float[] single16 = y.clone();
        Expand.expand16(t, r, b0, 0, out, single16, 2);
        Expand.expand16(java.util.Arrays.copyOfRange(t, r + 1, 2 * r + 1), r, b1, 3, out, single16, out + 5);
        assertClose(want16, single16, 1e-6 * Int16.MAX * r, "16-bit rows one at a time");
    }

    private static void assertClose(float[] want, float[] got, double tolerance, String what) {
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], tolerance, what + ", output " + i);
    }
}
