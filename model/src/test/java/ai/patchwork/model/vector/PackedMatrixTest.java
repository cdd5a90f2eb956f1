package ai.patchwork.model.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.safetensors.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Matrices packed from checkpoint bytes (several tensors stacked, each dtype, sizes with SIMD and 4-row tails): the
 * kernels give the plain product of the values the checkpoint holds, embedding rows read back exactly, and the
 * in-register widening of 16-bit values matches the scalar conversion bit for bit.
 */
class PackedMatrixTest {

    private static final int L = FloatVector.SPECIES_PREFERRED.length();

    @ParameterizedTest
    @CsvSource({
        "BF16, 1, 64, 40",
        "BF16, 2, 96, 37",
        "BF16, 5, 48, 24",
        "F16, 1, 64, 40",
        "F16, 6, 33, 13",
        "F32, 1, 64, 40",
        "F32, 3, 37, 22",
        "F32, 8, 96, 36",
        "F64, 2, 32, 12",
        "BF16, 1, 1024, 1040",
        "F32, 4, 1024, 600"
    }) // the last two over 2 MB: pages mapped from the kernel
    void stackedTensorsGiveThePlainProductOfTheirValues(DType dtype, int m, int k, int n) {
        SplittableRandom r = new SplittableRandom(k * 31L + n);
        int[] rows = {n / 2, n - n / 2 - 3, 3}; // three tensors, as q, k and v
        float[] w = new float[n * k]; // the values as the checkpoint holds them, row-major
        List<PackedMatrix.Source> parts = new java.util.ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            int at = 0;
            for (int part : rows) {
                MemorySegment bytes = arena.allocate((long) part * k * dtype.bytes());
                for (int i = 0; i < part * k; i++) w[at + i] = write(bytes, dtype, i, (float) r.nextGaussian());
                parts.add(new PackedMatrix.Source(bytes, dtype, part));
                at += part * k;
            }
            PackedMatrix p = PackedMatrix.pack(parts, k, arena);
            assertEquals(dtype == DType.F64 ? Precision.F32 : Precision.of(dtype), p.precision());
            float[] x = new float[m * k];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            float[] fast = new float[m * n];
            float[] slow = new float[m * n];
            Gemm.matmul(x, m, p, fast);
            Gemm.reference(x, m, k, w, n, slow);
            for (int i = 0; i < slow.length; i++) {
                assertTrue(
                        Math.abs(fast[i] - slow[i]) <= 1e-5 * Math.sqrt(k),
                        "element " + i + ": " + fast[i] + ", " + slow[i]);
            }
            float[] row = new float[k + 1];
            for (int j = 0; j < n; j++) {
                p.row(j, row, 1);
                for (int c = 0; c < k; c++) assertEquals(w[j * k + c], row[1 + c], "row " + j + ", column " + c);
            }
        }
    }

    /**
     * int8 (Q8_0): every value within half a step (its group's max|w| / 254) of the checkpoint's, and the kernels, the
     * in-register one below 4 rows and the widening one from 4, give the plain product of the quantized values.
     */
    @ParameterizedTest
    @CsvSource({
        "BF16, 1, 64, 40",
        "BF16, 4, 1024, 37",
        "F16, 2, 128, 13",
        "F32, 3, 96, 20",
        "F32, 6, 32, 9",
        "F64, 1, 64, 8"
    })
    void int8HoldsEachValueWithinHalfAStepAndMultipliesExactly(DType dtype, int m, int k, int n) {
        SplittableRandom r = new SplittableRandom(k * 17L + n);
        float[] w = new float[n * k];
        try (Arena arena = Arena.ofShared()) {
            MemorySegment bytes = arena.allocate((long) n * k * dtype.bytes());
            for (int i = 0; i < n * k; i++) w[i] = write(bytes, dtype, i, (float) (r.nextGaussian() * (1 + i % 7)));
            PackedMatrix p = PackedMatrix.pack(List.of(new PackedMatrix.Source(bytes, dtype, n)), k, true, arena);
            assertEquals(Precision.Q8_0, p.precision());
            assertEquals((long) n * k + 4L * n * k / 32, p.bytes(), "a byte per value, a float per 32");
            float[] q = new float[n * k]; // the quantized values, row-major
            for (int j = 0; j < n; j++) {
                p.row(j, q, j * k);
                for (int g = 0; g < k; g += 32) {
                    float amax = 0;
                    for (int c = g; c < g + 32; c++) amax = Math.max(amax, Math.abs(w[j * k + c]));
                    for (int c = g; c < g + 32; c++) {
                        float err = Math.abs(q[j * k + c] - w[j * k + c]);
                        assertTrue(err <= amax / 254 * (1 + 1e-5f), "row " + j + ", column " + c + ": off by " + err);
                    }
                }
            }
            float[] x = new float[m * k];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            float[] fast = new float[m * n];
            float[] slow = new float[m * n];
            Gemm.matmul(x, m, p, fast);
            Gemm.reference(x, m, k, q, n, slow);
            for (int i = 0; i < slow.length; i++) {
                assertTrue(
                        Math.abs(fast[i] - slow[i]) <= 1e-4 * Math.sqrt(k),
                        "element " + i + ": " + fast[i] + ", " + slow[i]);
            }
        }
    }

    @Test
    void int8LeavesRowsThatDoNotSplitIntoGroupsOf32Unquantized() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment bytes = arena.allocate(2L * 8 * 48);
            PackedMatrix p = PackedMatrix.pack(List.of(new PackedMatrix.Source(bytes, DType.BF16, 8)), 48, true, arena);
            assertEquals(Precision.BF16, p.precision());
        }
    }

    /** Writes value i of a tensor as {@code dtype} and returns what the tensor then holds. */
    static float write(MemorySegment s, DType dtype, int i, float v) {
        switch (dtype) {
            case BF16 -> {
                short h = (short) (Float.floatToRawIntBits(v) >>> 16);
                s.set(Bf16.SHORT_LE, 2L * i, h);
                return Float.intBitsToFloat(h << 16);
            }
            case F16 -> {
                short h = Float.floatToFloat16(v);
                s.set(Bf16.SHORT_LE, 2L * i, h);
                return Float.float16ToFloat(h);
            }
            case F64 -> {
                s.set(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8L * i, v);
                return v;
            }
            default -> {
                s.set(PackedMatrix.FLOAT_LE, 4L * i, v);
                return v;
            }
        }
    }

    /** Every finite half, normal and subnormal, of either sign: the vector widening equals the JDK's conversion. */
    @Test
    void f16LoadMatchesTheScalarConversionForEveryFiniteValue() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(2L * 65536);
            int n = 0;
            for (int h = 0; h < 65536; h++) {
                if ((h & 0x7c00) != 0x7c00) s.set(Bf16.SHORT_LE, 2L * n++, (short) h);
            }
            n -= n % L;
            float[] fast = new float[n];
            F16.widen(s, 0, fast, 0, n);
            for (int i = 0; i < n; i++) {
                float want = Float.float16ToFloat(s.get(Bf16.SHORT_LE, 2L * i));
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(fast[i]), "half " + i);
            }
            float[] bf = new float[n];
            Bf16.widen(s, 0, bf, 0, n);
            for (int i = 0; i < n; i++) assertEquals(Bf16.get(s, 2L * i), bf[i], "bfloat16 " + i);
        }
    }

    @Test
    void refusesFloat16InfinitiesAndMixedTypes() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment a = arena.allocate(2L * 4 * 8);
            a.set(Bf16.SHORT_LE, 6, (short) 0x7c00);
            assertThrows(
                    IllegalArgumentException.class,
                    () -> PackedMatrix.pack(List.of(new PackedMatrix.Source(a, DType.F16, 4)), 8, arena));
            MemorySegment b = arena.allocate(4L * 4 * 8);
            assertThrows(
                    IllegalArgumentException.class,
                    () -> PackedMatrix.pack(
                            List.of(
                                    new PackedMatrix.Source(b, DType.F32, 4),
                                    new PackedMatrix.Source(a, DType.BF16, 4)),
                            8,
                            arena));
        }
    }
}
