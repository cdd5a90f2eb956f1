package ai.patchwork.model.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.fixture.TinyModelSpec;
import ai.patchwork.model.fixture.TinyModelWriter;
import ai.patchwork.model.fixture.TinyModels;
import ai.patchwork.model.safetensors.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * oneDNN's product against the plain loop ({@link Gemm#reference}) on the same bfloat16 weights.
 *
 * <p>The bound: the native product rounds each x value to bfloat16 (8 significant bits, so within a relative 2⁻⁸ of
 * it), then multiplies bfloat16 by bfloat16 exactly and sums in float32. So each output is off the float32 loop by at
 * most 2⁻⁸·Σ|xᵢ·wᵢ| from the rounding, plus float32 summation error on both sides, under K·2⁻²⁴·Σ|xᵢ·wᵢ| each. The
 * test allows (2⁻⁸ + K·2⁻²³)·Σ|xᵢ·wᵢ| per output, which a wrong layout, a wrong column range or a missed row chunk
 * exceeds by orders of magnitude.
 */
class NativeGemmTest {

    @TempDir
    Path tmp;

    @BeforeEach
    void needsTheLibrary() {
        assumeTrue(OneDnn.available(), () -> "oneDNN has no native library here: " + OneDnn.LIBRARY.failure());
    }

    /** Stacked parts (as q/k/v), row counts across the 64-row chunks, on one and two threads, with LoRA-like sides. */
    @ParameterizedTest
    @CsvSource({"1, 1", "3, 2", "8, 2", "12, 1", "41, 2", "64, 1", "70, 2", "77, 2", "130, 2"})
    void matchesThePlainLoopWithinTheBfloat16RoundingOfX(int m, int threadCount) {
        int k = 160;
        int[] rows = {128, 64, 64};
        int n = 256;
        SplittableRandom r = new SplittableRandom(m * 7L + threadCount);
        float[] w = new float[n * k];
        for (int i = 0; i < w.length; i++) w[i] = Bf16.get(bf16((float) r.nextGaussian() * 0.1f), 0);
        float[] x = GemmTest.random(m * k, r);
        try (Arena arena = Arena.ofShared();
                StepThreads threads = StepThreads.of(threadCount)) {
            List<PackedMatrix.Source> parts = GemmTest.parts(w, rows, k, DType.BF16, arena);
            PackedMatrix blocked = PackedMatrix.pack(parts, k, false, true, arena);
            assertEquals(Precision.BF16_BLOCKED, blocked.precision());
            float[] want = new float[m * n];
            Gemm.reference(x, m, k, w, n, want);
            float[] got = new float[m * n];
            Gemm.matmul(x, m, blocked, got, threads);
            assertWithin(x, w, m, n, k, want, got);
            float[] beside = new float[m * n];
            AtomicInteger sides = new AtomicInteger();
            Gemm.matmul(x, m, blocked, beside, threads, 5, (item, lane) -> sides.incrementAndGet());
            assertEquals(5, sides.get());
            assertWithin(x, w, m, n, k, want, beside);
        }
    }

    /**
     * One-row products over different weights, one after the other on the same threads (as the layers of a decode
     * step), with a larger product between rounds that moves the callers' x and y: each reads its own W, x and y,
     * though a thread reuses one primitive for all of them.
     */
    @Test
    void productsOfOneShapeEachReadTheirOwnWeightsAndBuffers() {
        int k = 128;
        int n = 256;
        SplittableRandom r = new SplittableRandom(3);
        try (Arena arena = Arena.ofShared();
                StepThreads threads = StepThreads.of(2)) {
            for (int round = 0; round < 3; round++) {
                for (int m : new int[] {1, 1, 1, 70 * (round + 1)}) {
                    float[] w = new float[n * k];
                    for (int i = 0; i < w.length; i++) w[i] = Bf16.get(bf16((float) r.nextGaussian() * 0.1f), 0);
                    PackedMatrix blocked = PackedMatrix.pack(List.of(source(w, 0, n, k, arena)), k, false, true, arena);
                    float[] x = GemmTest.random(m * k, r);
                    float[] want = new float[m * n];
                    Gemm.reference(x, m, k, w, n, want);
                    float[] got = new float[m * n];
                    Gemm.matmul(x, m, blocked, got, threads);
                    assertWithin(x, w, m, n, k, want, got);
                }
            }
        }
    }

    /** Row counts share 15 primitives per shape: 1 to 8 each their own, larger ones rounded up to a multiple of 8. */
    @Test
    void rowCountsRoundUpToFifteenBuckets() {
        assertEquals(
                List.of(1, 2, 3, 4, 5, 6, 7, 8, 16, 16, 24, 64, 64),
                java.util.stream.IntStream.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 57, 64)
                        .map(NativeGemm::bucket)
                        .boxed()
                        .toList());
    }

    /**
     * After {@link NativeGemm#plan}, a product of any row count makes no primitive, on one thread or several: a request
     * never waits for one.
     */
    @Test
    void aPlannedMatrixMakesNoPrimitiveForAnyRowCount() {
        int k = 64;
        int n = 320; // pieces of 256 and 64 columns when LoRA deltas run beside, of 128 and 64 on two threads without
        float[] w = new float[n * k];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < w.length; i++) w[i] = Bf16.get(bf16((float) r.nextGaussian() * 0.1f), 0);
        for (int t = 1; t <= 2; t++) {
            try (Arena arena = Arena.ofShared();
                    StepThreads threads = StepThreads.of(t)) {
                PackedMatrix blocked = PackedMatrix.pack(List.of(source(w, 0, n, k, arena)), k, false, true, arena);
                NativeGemm.plan(blocked, threads);
                int planned = NativeGemm.primitives();
                for (int m : new int[] {1, 5, 9, 23, 64, 100}) {
                    float[] x = GemmTest.random(m * k, r);
                    float[] y = new float[m * n];
                    float[] want = new float[m * n];
                    Gemm.reference(x, m, k, w, n, want);
                    Gemm.matmul(x, m, blocked, y, threads);
                    assertWithin(x, w, m, n, k, want, y);
                    Arrays.fill(y, 0);
                    Gemm.matmul(x, m, blocked, y, threads, 1, (item, lane) -> {});
                    assertWithin(x, w, m, n, k, want, y);
                }
                assertEquals(planned, NativeGemm.primitives(), "no primitive made after the plan on " + t);
            }
        }
    }

    /** BF16 rows that are not whole 64-row blocks and F32 keep the Vector API's layout; int8 takes oneDNN's. */
    @Test
    void whatDoesNotFitStaysOnTheVectorApi() {
        try (Arena arena = Arena.ofShared()) {
            float[] w = new float[96 * 64];
            assertEquals(
                    Precision.BF16,
                    PackedMatrix.pack(List.of(source(w, 0, 96, 64, arena)), 64, false, true, arena)
                            .precision());
            assertEquals(
                    Precision.Q8_0_ROWS,
                    PackedMatrix.pack(List.of(source(w, 0, 64, 64, arena)), 64, true, true, arena)
                            .precision());
            assertEquals(
                    Precision.Q8_0,
                    PackedMatrix.pack(List.of(source(w, 0, 64, 64, arena)), 64, true, false, arena)
                            .precision());
        }
    }

    /** A two-layer BF16 model whose projections and LM head all fit oneDNN's blocked layout ({@link OneDnn#fits}). */
    static TinyModelSpec fittingBf16(long seed) {
        return TinyModelSpec.builder()
                .optHidden(64)
                .optHeads(4)
                .optKvHeads(4)
                .optIntermediate(128)
                .optVocab(320)
                .optLayers(2)
                .optMaxPositions(64)
                .optDtype(DType.BF16)
                .optSeed(seed)
                .build();
    }

    /** A BF16 model whose projections all fit: its logits stay within bfloat16 rounding of the Vector API's. */
    @Test
    void aBf16ModelOnOneDnnGivesTheVectorApisLogitsWithinRounding() {
        TinyModelSpec spec = fittingBf16(5);
        ModelConfig c = TinyModelWriter.write(spec, tmp.resolve("model"));
        int[][] prompt = {TinyModels.randomIds(12, c.vocabSize(), 1), TinyModels.randomIds(12, c.vocabSize(), 2)};
        try (VectorTransformer vector =
                        VectorTransformer.load(tmp.resolve("model"), Quantization.NONE, Matmul.VECTOR, null);
                VectorTransformer nativ =
                        VectorTransformer.load(tmp.resolve("model"), Quantization.NONE, Matmul.NATIVE, null)) {
            assertEquals(vector.weightBytes(), nativ.weightBytes());
            assertEquals(0, vector.nativeMatrices());
            assertTrue(nativ.nativeMatrices() >= 2 * 4, "every projection of both layers on oneDNN");
            float[][] want = vector.step(
                    prompt,
                    new int[2],
                    new int[] {0, 1},
                    new int[2],
                    new VectorKvCache(c, 2, 32, Arena.ofAuto()),
                    null);
            float[][] got = nativ.step(
                    prompt,
                    new int[2],
                    new int[] {0, 1},
                    new int[2],
                    new VectorKvCache(c, 2, 32, Arena.ofAuto()),
                    null);
            boolean differs = false; // x rounded to bfloat16 shows: the projections did run on oneDNN
            for (int i = 0; i < want.length; i++) {
                float scale = 0;
                for (float v : want[i]) scale = Math.max(scale, Math.abs(v));
                for (int j = 0; j < want[i].length; j++) {
                    // two layers of x rounded to bfloat16 (2⁻⁸ each), through norms that keep the scale
                    assertTrue(Math.abs(want[i][j] - got[i][j]) <= 0.05f * scale, "logit " + j);
                    differs |= want[i][j] != got[i][j];
                }
            }
            assertTrue(differs, "the native model computed exactly the Vector API's logits");
        }
    }

    private static void assertWithin(float[] x, float[] w, int m, int n, int k, float[] want, float[] got) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double abs = 0;
                for (int p = 0; p < k; p++) abs += Math.abs(x[i * k + p] * w[j * k + p]);
                double bound = (Math.scalb(1.0, -8) + k * Math.scalb(1.0, -23)) * abs;
                float diff = Math.abs(want[i * n + j] - got[i * n + j]);
                assertTrue(diff <= bound, "y[" + i + ", " + j + "] off by " + diff + " > " + bound);
            }
        }
    }

    /** Rows [from, from + rows) of row-major w as a bfloat16 checkpoint tensor. */
    private static PackedMatrix.Source source(float[] w, int from, int rows, int k, Arena arena) {
        return GemmTest.source(w, from, rows, k, DType.BF16, arena);
    }

    private static MemorySegment bf16(float v) {
        return MemorySegment.ofArray(new short[] {Bf16.round(v)});
    }
}
