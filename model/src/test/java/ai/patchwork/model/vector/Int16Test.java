package ai.patchwork.model.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The 16-bit integer format: its rounding per group, and the SIMD load and widening against the plain values. */
class Int16Test {

    private static final int L = FloatVector.SPECIES_PREFERRED.length();

    @Test
    void eachWeightIsWithinHalfAStepOfItsGroupsLargest() {
        SplittableRandom r = new SplittableRandom(1);
        for (int trial = 0; trial < 200; trial++) {
            int n = r.nextInt(1, 300);
            int step = r.nextInt(1, 4);
            int start = r.nextInt(3);
            double magnitude = Math.pow(10, r.nextInt(-8, 6));
            float[] v = new float[start + n * step];
            for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * magnitude);
            float[] q = new float[v.length];
            float scale = Int16.quantize(v, start, n, step, q);
            double max = 0;
            for (int i = 0; i < n; i++) max = Math.max(max, Math.abs(v[start + i * step]));
            for (int i = 0, at = start; i < n; i++, at += step) {
                assertEquals(Math.rint(q[at]), q[at], "an integer");
                assertTrue(Math.abs(q[at]) <= Int16.MAX, "within 16 bits: " + q[at]);
                double halfStep = max * (0.5 / Int16.MAX + 1e-7); // and the scale's own float rounding
                assertTrue(Math.abs(q[at] * (double) scale - v[at]) <= halfStep, v[at] + " → " + q[at] * scale);
            }
            for (int at = 0; at < v.length; at++) {
                if (at < start || (at - start) % step != 0) assertEquals(0f, q[at], "outside the group: untouched");
            }
        }
    }

    @Test
    void theLargestMapsToTheTopIntegerAndZerosToScaleZero() {
        float[] v = {0.5f, -2f, 1f};
        float[] q = new float[3];
        assertEquals(2f / Int16.MAX, Int16.quantize(v, 0, 3, 1, q), 1e-12);
        assertEquals(-Int16.MAX, q[1]);
        assertEquals(Math.rint(0.25 * Int16.MAX), q[0]);
        float[] zeros = new float[4];
        float[] qz = {9, 9, 9, 9};
        assertEquals(0f, Int16.quantize(zeros, 0, 4, 1, qz));
        for (float x : qz) assertEquals(0f, x);
        assertThrows(
                IllegalArgumentException.class, () -> Int16.quantize(new float[] {Float.NaN}, 0, 1, 1, new float[1]));
        assertThrows(IllegalArgumentException.class, () -> Int16.narrow(new float[] {0.5f}));
        assertThrows(IllegalArgumentException.class, () -> Int16.narrow(new float[] {32768f}));
    }

    @ParameterizedTest
    @CsvSource({"0, 1", "0, 16", "3, 37", "5, 64", "0, 250"})
    void loadAndWidenGiveTheIntegers(int off, int len) {
        SplittableRandom r = new SplittableRandom(off * 100L + len);
        float[] ints = new float[off + len];
        for (int i = 0; i < ints.length; i++) ints[i] = r.nextInt(-Int16.MAX, Int16.MAX + 1);
        short[] w = Int16.narrow(ints);
        float[] wide = new float[len + 2];
        Int16.widen(w, off, wide, 1, len);
        for (int i = 0; i < len; i++) assertEquals(ints[off + i], wide[1 + i], "widened " + i);
        for (int i = 0; i + L <= ints.length; i++) {
            float[] lanes = Int16.load(w, i).toArray();
            for (int lane = 0; lane < L; lane++) assertEquals(ints[i + lane], lanes[lane], "load at " + i);
        }
    }
}
