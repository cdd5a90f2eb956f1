package ai.patchwork.model.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.patchwork.model.safetensors.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A packed matrix read back as Wᵀ (k, n) float32 ({@link Transposed}) holds the checkpoint's values exactly, out of
 * every layout the runtime packs (rows in blocks of 4 with SIMD and scalar tails, whole rows past a multiple of 4,
 * oneDNN's blocked layout), and the tiled read writes what the one-value-at-a-time reference writes.
 */
class TransposedTest {

    @ParameterizedTest
    @CsvSource({
        "BF16, 64, 40, false",
        "BF16, 37, 23, false",
        "F16, 33, 13, false",
        "F32, 96, 36, false",
        "BF16, 64, 128, true",
        "BF16, 96, 256, true"
    })
    void readsBackTheCheckpointsValuesTransposed(DType dtype, int k, int n, boolean blocked) {
        if (blocked) Assumptions.assumeTrue(OneDnn.available(), "oneDNN did not load here");
        SplittableRandom r = new SplittableRandom(k * 31L + n);
        int[] rows = blocked ? new int[] {n / 2, n / 2} : new int[] {n / 2, n - n / 2}; // two stacked tensors
        float[] w = new float[n * k]; // W (n, k) row-major, as the checkpoint holds it
        try (Arena arena = Arena.ofShared()) {
            List<PackedMatrix.Source> parts = new ArrayList<>();
            int at = 0;
            for (int part : rows) {
                MemorySegment bytes = arena.allocate((long) part * k * dtype.bytes());
                for (int i = 0; i < part * k; i++)
                    w[at + i] = PackedMatrixTest.write(bytes, dtype, i, (float) r.nextGaussian());
                parts.add(new PackedMatrix.Source(bytes, dtype, part));
                at += part * k;
            }
            PackedMatrix p = PackedMatrix.pack(parts, k, false, blocked, arena);
            assertEquals(blocked ? Precision.BF16_BLOCKED : Precision.of(dtype), p.precision());
            MemorySegment fast = arena.allocate((long) n * k * Float.BYTES);
            MemorySegment slow = arena.allocate((long) n * k * Float.BYTES);
            Transposed.write(p, fast);
            Transposed.reference(p, slow);
            for (int c = 0; c < k; c++) {
                for (int j = 0; j < n; j++) {
                    long i = (long) c * n + j;
                    assertEquals(
                            w[j * k + c],
                            slow.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i),
                            "W[" + j + ", " + c + "]");
                    assertEquals(
                            w[j * k + c],
                            fast.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i),
                            "W[" + j + ", " + c + "]");
                }
            }
        }
    }
}
