package ai.patchwork.model.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.patchwork.model.safetensors.DType;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Int8 weights in oneDNN's layout ({@link Q8Rows}) against the same weights in the Vector API's ({@link Q8}) and the
 * plain loop ({@link Gemm#reference}) over their dequantized values.
 *
 * <p>The bound of oneDNN's product: it rounds each x value to bfloat16 (within a relative 2⁻⁹) and widens each
 * dequantized weight q·d to bfloat16 (q, at most 127, is exact in bfloat16's 8 significant bits; d and the product
 * q·d each within a relative 2⁻⁹), then multiplies exactly and sums in float32. So each product is within a relative
 * 3·2⁻⁹ (under 2⁻⁷) of x·q·d, and each output off the float32 loop by at most 2⁻⁷·Σ|xᵢ·wᵢ| plus float32 summation
 * error on both sides, under K·2⁻²⁴·Σ|xᵢ·wᵢ| each: the test allows (2⁻⁷ + K·2⁻²³)·Σ|xᵢ·wᵢ|. A wrong piece of scales,
 * a wrong column range or a missed row chunk exceeds it by orders of magnitude. One x row runs on {@link Q8Rows#dots}
 * in float32, within the summation error alone.
 */
class Q8RowsTest {

    @BeforeEach
    void needsTheLibrary() {
        assumeTrue(OneDnn.available(), () -> "oneDNN has no native library here: " + OneDnn.LIBRARY.failure());
    }

    /** Stacked parts of rows that are not whole pieces (a rest of 104 rows), on one and two threads, with sides. */
    @ParameterizedTest
    @CsvSource({"1, 1", "1, 2", "2, 2", "3, 1", "8, 2", "41, 2", "70, 2"})
    void matchesThePlainLoopOverTheDequantizedWeights(int m, int threadCount) {
        int k = 96;
        int[] rows = {256, 64, 40};
        int n = 360;
        SplittableRandom r = new SplittableRandom(m * 11L + threadCount);
        float[] source = GemmTest.random(n * k, r);
        float[] x = GemmTest.random(m * k, r);
        try (Arena arena = Arena.ofShared();
                StepThreads threads = StepThreads.of(threadCount)) {
            List<PackedMatrix.Source> parts = GemmTest.parts(source, rows, k, DType.F32, arena);
            PackedMatrix native8 = PackedMatrix.pack(parts, k, true, true, arena);
            assertEquals(Precision.Q8_0_ROWS, native8.precision());
            float[] w = dequantized(native8);
            float[] want = new float[m * n];
            Gemm.reference(x, m, k, w, n, want);
            float[] got = new float[m * n];
            Gemm.matmul(x, m, native8, got, threads);
            assertWithin(x, w, m, n, k, want, got, m == 1 ? 0 : Math.scalb(1.0, -7));
            float[] beside = new float[m * n];
            AtomicInteger sides = new AtomicInteger();
            Gemm.matmul(x, m, native8, beside, threads, 3, (item, lane) -> sides.incrementAndGet());
            assertEquals(3, sides.get());
            assertWithin(x, w, m, n, k, want, beside, m == 1 ? 0 : Math.scalb(1.0, -7));
        }
    }

    /**
     * Both layouts quantize alike: every row, value and transposed value reads back the same, the row-by-row scales
     * in half precision included (every scale is rounded to it when quantized).
     */
    @Test
    void holdsTheVectorApisValuesInItsOwnLayout() {
        int k = 64;
        int n = 300;
        float[] source = GemmTest.random(n * k, new SplittableRandom(5));
        try (Arena arena = Arena.ofShared()) {
            List<PackedMatrix.Source> parts = List.of(source(source, 0, n, k, arena));
            PackedMatrix vector = PackedMatrix.pack(parts, k, true, false, arena);
            PackedMatrix native8 = PackedMatrix.pack(parts, k, true, true, arena);
            assertEquals(Precision.Q8_0, vector.precision());
            assertEquals(vector.values().byteSize(), native8.values().byteSize());
            assertEquals(
                    vector.scales().byteSize() * 3 / 2,
                    native8.scales().byteSize(),
                    "oneDNN's float32 copy and a row's in half precision");
            assertArrayEquals(dequantized(vector), dequantized(native8));
            for (int j = 0; j < n; j += 37) {
                for (int c = 0; c < k; c += 5) {
                    assertEquals(Transposed.value(vector, j, c), Transposed.value(native8, j, c));
                    assertEquals(Transposed.value(vector, j, c), native8.get((long) j * k + c));
                }
            }
        }
    }

    /**
     * Every scale is a half-precision number, every value within ±127 (rounding the scale down would otherwise push
     * the largest one to 128, which wraps in a byte), and every weight within half a step of its value times the scale.
     */
    @Test
    void quantizesToHalfPrecisionScalesAndValuesWithin127() {
        SplittableRandom r = new SplittableRandom(17);
        float[] row = new float[Q8.GROUP];
        byte[] qs = new byte[Q8.GROUP];
        for (int trial = 0; trial < 2000; trial++) {
            float magnitude = (float) Math.pow(10, r.nextDouble(-3, 2));
            for (int i = 0; i < row.length; i++) row[i] = (float) r.nextDouble(-magnitude, magnitude);
            float d = Q8.quantize(row, 0, qs);
            assertEquals(d, Float.float16ToFloat(Float.floatToFloat16(d)), "a half-precision scale");
            for (int i = 0; i < row.length; i++) {
                assertTrue(Math.abs(qs[i]) <= 127, "a value within ±127");
                assertEquals(row[i], qs[i] * d, d * 0.5001f);
            }
        }
    }

    /** One x row over an odd number of W rows: the last one, paired with itself, is as right as the others. */
    @Test
    void oneRowOverAnOddRowCountMatchesThePlainLoop() {
        int k = 96;
        int n = 37;
        SplittableRandom r = new SplittableRandom(3);
        float[] source = GemmTest.random(n * k, r);
        float[] x = GemmTest.random(k, r);
        try (Arena arena = Arena.ofShared()) {
            PackedMatrix native8 = PackedMatrix.pack(List.of(source(source, 0, n, k, arena)), k, true, true, arena);
            float[] w = dequantized(native8);
            float[] want = new float[n];
            Gemm.reference(x, 1, k, w, n, want);
            float[] got = new float[n];
            Gemm.matmul(x, 1, native8, got);
            assertWithin(x, w, 1, n, k, want, got, 0);
        }
    }

    /** After {@link NativeGemm#plan}, products of any row count make no primitive. */
    @Test
    void aPlannedMatrixMakesNoPrimitiveForAnyRowCount() {
        int k = 64;
        int n = 320;
        SplittableRandom r = new SplittableRandom(9);
        float[] source = GemmTest.random(n * k, r);
        try (Arena arena = Arena.ofShared()) {
            PackedMatrix native8 = PackedMatrix.pack(List.of(source(source, 0, n, k, arena)), k, true, true, arena);
            float[] w = dequantized(native8);
            StepThreads one = StepThreads.single();
            NativeGemm.plan(native8, one);
            int planned = NativeGemm.primitives();
            for (int m : new int[] {2, 5, 9, 64, 100}) {
                float[] x = GemmTest.random(m * k, r);
                float[] y = new float[m * n];
                Gemm.matmul(x, m, native8, y, one);
                Gemm.matmul(x, m, native8, y, one, 1, (item, lane) -> {});
                float[] want = new float[m * n];
                Gemm.reference(x, m, k, w, n, want);
                assertWithin(x, w, m, n, k, want, y, Math.scalb(1.0, -7));
            }
            assertEquals(planned, NativeGemm.primitives(), "no primitive made after the plan");
        }
    }

    /** W's rows read back, dequantized, row-major. */
    private static float[] dequantized(PackedMatrix w) {
        float[] out = new float[w.n() * w.k()];
        for (int j = 0; j < w.n(); j++) w.row(j, out, j * w.k());
        return out;
    }

    /** Each output within {@code relative}·Σ|xᵢ·wᵢ| plus the float32 summation error of both sides. */
    private static void assertWithin(
            float[] x, float[] w, int m, int n, int k, float[] want, float[] got, double relative) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double abs = 0;
                for (int p = 0; p < k; p++) abs += Math.abs(x[i * k + p] * w[j * k + p]);
                double bound = (relative + k * Math.scalb(1.0, -23)) * abs;
                float diff = Math.abs(want[i * n + j] - got[i * n + j]);
                assertTrue(diff <= bound, "y[" + i + ", " + j + "] off by " + diff + " > " + bound);
            }
        }
    }

    /** Rows [from, from + rows) of row-major w as a float32 checkpoint tensor. */
    private static PackedMatrix.Source source(float[] w, int from, int rows, int k, Arena arena) {
        return GemmTest.source(w, from, rows, k, DType.F32, arena);
    }
}
