package ai.patchwork.model.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.safetensors.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The SIMD kernels against their plain loops, on shapes with and without row and column tails. */
class GemmTest {

    static float[] random(int n, SplittableRandom r) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
        return a;
    }

    /** Two rows against two matrices at once give what two {@code matvec} calls give. */
    @ParameterizedTest
    @CsvSource({"4, 1", "8, 4", "12, 2", "16, 16"})
    void matvecPairEqualsTwoMatvecs(int n, int vectors) {
        int k = vectors * FloatVector.SPECIES_PREFERRED.length();
        SplittableRandom r = new SplittableRandom(n * 31L + k);
        float[] x = random(3 * k, r);
        float[] w0 = new float[5 + n * k];
        float[] w1 = new float[n * k];
        Gemm.pack(random(n * k, r), n, k, w0, 5);
        Gemm.pack(random(n * k, r), n, k, w1, 0);
        float[] want0 = new float[n];
        float[] want1 = new float[n];
        Gemm.matvec(x, k, w0, 5, n, k, want0, 0);
        Gemm.matvec(x, 2 * k, w1, 0, n, k, want1, 0);
        float[] got = new float[2 * n + 3];
        Gemm.matvecPair(x, k, f32(w0), 5, got, 1, 2 * k, f32(w1), 0, got, n + 3, n, k);
        for (int j = 0; j < n; j++) {
            assertEquals(want0[j], got[1 + j], 1e-6 * Math.sqrt(k), "row 0, output " + j);
            assertEquals(want1[j], got[n + 3 + j], 1e-6 * Math.sqrt(k), "row 1, output " + j);
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> Gemm.matvecPair(x, 0, f32(w0), 0, got, 0, 0, f32(w1), 0, got, 0, 6, k));
    }

    @ParameterizedTest
    @CsvSource({"1, 256, 512", "8, 256, 1536", "7, 96, 40", "5, 33, 17", "32, 768, 256", "3, 1, 64", "6, 50, 9"})
    void matmulEqualsTheTripleLoop(int m, int k, int n) {
        SplittableRandom r = new SplittableRandom(m * 1000L + k * 10L + n);
        float[] x = random(m * k, r);
        float[] w = random(k * n, r);
        float[] fast = new float[m * n];
        float[] slow = new float[m * n];
        java.util.Arrays.fill(fast, Float.NaN); // overwritten, not accumulated
        Gemm.matmul(x, m, PackedMatrix.of(w, n, k), fast);
        Gemm.reference(x, m, k, w, n, slow);
        for (int i = 0; i < fast.length; i++) {
            assertTrue(
                    Math.abs(fast[i] - slow[i]) <= 1e-5 * Math.max(1, Math.sqrt(k)),
                    "element " + i + ": " + fast[i] + " vs " + slow[i]);
        }
    }

    /** Split over threads by output columns (above the size where it splits), with column and SIMD tails. */
    @ParameterizedTest
    @CsvSource({"32, 256, 1536, 2", "13, 341, 682, 2", "35, 128, 277, 3", "9, 1000, 130, 4"})
    void matmulOnSeveralThreadsEqualsTheTripleLoop(int m, int k, int n, int threads) {
        assertTrue((long) m * k * n >= Gemm.MIN_SPLIT_MACS, "the shape is split");
        SplittableRandom r = new SplittableRandom(m * 1000L + k * 10L + n);
        float[] x = random(m * k, r);
        float[] w = random(k * n, r);
        float[] fast = new float[m * n];
        float[] slow = new float[m * n];
        java.util.Arrays.fill(fast, Float.NaN);
        try (StepThreads pool = StepThreads.of(threads)) {
            Gemm.matmul(x, m, PackedMatrix.of(w, n, k), fast, pool);
        }
        Gemm.reference(x, m, k, w, n, slow);
        for (int i = 0; i < fast.length; i++) {
            assertTrue(
                    Math.abs(fast[i] - slow[i]) <= 1e-5 * Math.max(1, Math.sqrt(k)),
                    "element " + i + ": " + fast[i] + " vs " + slow[i]);
        }
    }

    /** bfloat16-exact weights (a BF16 checkpoint) are kept in 16 bits and give what the float32 packing gives. */
    @ParameterizedTest
    @CsvSource({"1, 256, 512", "8, 256, 1536", "7, 96, 40", "5, 33, 17", "32, 768, 256", "13, 341, 682"})
    void bf16WeightsGiveTheFloat32Result(int m, int k, int n) {
        SplittableRandom r = new SplittableRandom(m * 7000L + k * 10L + n);
        float[] x = random(m * k, r);
        float[] w = random(k * n, r);
        for (int i = 0; i < w.length; i++) w[i] = Float.intBitsToFloat(Float.floatToRawIntBits(w[i]) & 0xffff0000);
        PackedMatrix half = PackedMatrix.of(w, n, k);
        assertEquals(Precision.BF16, half.precision(), "kept in bfloat16");
        assertEquals(2L * n * k, half.bytes());
        float[] packed = new float[w.length];
        Gemm.pack(w, n, k, packed, 0);
        float[] fromBf16 = new float[m * n];
        float[] fromF32 = new float[m * n];
        float[] slow = new float[m * n];
        Gemm.matmul(x, m, half, fromBf16);
        MemorySegment f32 = Arena.ofAuto().allocate(4L * packed.length);
        MemorySegment.copy(packed, 0, f32, PackedMatrix.FLOAT_LE, 0, packed.length);
        Gemm.matmul(x, m, new PackedMatrix(f32, Precision.F32, n, k), fromF32);
        Gemm.reference(x, m, k, w, n, slow);
        for (int i = 0; i < slow.length; i++) {
            assertTrue(Math.abs(fromBf16[i] - slow[i]) <= 1e-5 * Math.max(1, Math.sqrt(k)), "element " + i);
            assertTrue(Math.abs(fromBf16[i] - fromF32[i]) <= 1e-6 * Math.max(1, Math.sqrt(k)), "element " + i);
        }
        w[0] = Math.nextUp(w[0]); // one value that is not a bfloat16: the whole matrix stays float32
        assertEquals(Precision.F32, PackedMatrix.of(w, n, k).precision());
    }

    @ParameterizedTest
    @CsvSource({"0, 16", "3, 37", "0, 5", "1, 1000"})
    void bf16WidenEqualsItsLoop(int off, int len) {
        SplittableRandom r = new SplittableRandom(len);
        short[] src = new short[off + len];
        for (int i = 0; i < src.length; i++) src[i] = (short) r.nextInt();
        float[] fast = new float[len + 2];
        float[] slow = new float[len + 2];
        Bf16.widen(src, off, fast, 2, len);
        Bf16.widenReference(src, off, slow, 2, len);
        for (int i = 0; i < fast.length; i++) {
            assertEquals(Float.floatToRawIntBits(slow[i]), Float.floatToRawIntBits(fast[i]), "value " + i);
        }
    }

    @ParameterizedTest
    @CsvSource({"256", "37", "5"})
    void rowOpsEqualTheirLoops(int len) {
        SplittableRandom r = new SplittableRandom(len);
        float[] a = random(len + 3, r);
        float[] b = random(len + 5, r);
        double dot = 0;
        for (int i = 0; i < len; i++) dot += (double) a[3 + i] * b[5 + i];
        assertTrue(Math.abs(RowOps.dot(a, 3, b, 5, len) - dot) < 1e-5);

        float[] gu = random(2 * len + 1, r);
        float[] act = new float[len + 2];
        RowOps.siluMul(gu, 1, len, act, 2);
        for (int i = 0; i < len; i++) {
            double g = gu[1 + i];
            double expected = g / (1 + Math.exp(-g)) * gu[1 + len + i];
            assertTrue(
                    Math.abs(act[2 + i] - expected) < 1e-6, "silu·up at " + i + ": " + act[2 + i] + " vs " + expected);
        }

        float[] w = random(len, r);
        float[] out = new float[len + 2];
        RowOps.rmsNorm(a, 3, w, 1e-6f, out, 2);
        double ms = 0;
        for (int i = 0; i < len; i++) ms += (double) a[3 + i] * a[3 + i];
        double inv = 1 / Math.sqrt(ms / len + 1e-6);
        for (int i = 0; i < len; i++) assertTrue(Math.abs(out[2 + i] - a[3 + i] * inv * w[i]) < 1e-5);
    }

    /** Float32 values as they are, never narrowed to bfloat16. */
    static WeightArray f32(float[] values) {
        return new WeightArray(values, null, null);
    }

    /**
     * Rows [from, from + rows) of row-major w as a checkpoint tensor: F32 as they are, or BF16 rounded to nearest even
     * ({@link Bf16#round}).
     */
    static PackedMatrix.Source source(float[] w, int from, int rows, int k, DType dtype, Arena arena) {
        MemorySegment s = arena.allocate((long) rows * k * dtype.bytes(), 64);
        switch (dtype) {
            case F32 -> MemorySegment.copy(w, from * k, s, PackedMatrix.FLOAT_LE, 0, rows * k);
            case BF16 -> {
                for (int i = 0; i < rows * k; i++) s.set(Bf16.SHORT_LE, 2L * i, Bf16.round(w[from * k + i]));
            }
            default -> throw new IllegalArgumentException(dtype + ": F32 or BF16");
        }
        return new PackedMatrix.Source(s, dtype, rows);
    }

    /** w's rows as stacked checkpoint parts of {@code rows[i]} rows each, in order ({@link #source}). */
    static List<PackedMatrix.Source> parts(float[] w, int[] rows, int k, DType dtype, Arena arena) {
        List<PackedMatrix.Source> parts = new ArrayList<>();
        int from = 0;
        for (int n : rows) {
            parts.add(source(w, from, n, k, dtype, arena));
            from += n;
        }
        return parts;
    }
}
