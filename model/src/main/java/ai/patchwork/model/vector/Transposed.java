package ai.patchwork.model.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A packed matrix W (n, k) read back out of its layout as Wᵀ (k, n) float32, row-major, in native byte order: the (in,
 * out) matrix a PyTorch linear layer multiplies by, for a trainer that reads the CPU runtime's weights rather than
 * keeping its own ({@link SharedWeights}). Every value comes back exactly (16-bit values are widened, int8 ones
 * dequantized). {@link #reference} reads one value at a time; {@link #write} reads the same values a tile at a time.
 */
final class Transposed {

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;

    /** Rows of W read before they are written out as columns: 16 floats are one cache line of each Wᵀ row. */
    private static final int TILE = 16;

    private Transposed() {}

    /** Writes Wᵀ to {@code dst}, which holds exactly k·n floats. */
    static void write(PackedMatrix w, MemorySegment dst) {
        check(w, dst);
        if (w.precision() == Precision.BF16_BLOCKED) blocked(w, dst);
        else rows(w, dst);
    }

    /** The same one value at a time, through {@link #value}. */
    static void reference(PackedMatrix w, MemorySegment dst) {
        check(w, dst);
        for (int r = 0; r < w.n(); r++) {
            for (int c = 0; c < w.k(); c++) dst.setAtIndex(FLOAT, (long) c * w.n() + r, value(w, r, c));
        }
    }

    /** W[r, c] as float32, found in the packed layout by its index arithmetic. */
    static float value(PackedMatrix w, int r, int c) {
        int n = w.n();
        int k = w.k();
        if (w.precision() == Precision.BF16_BLOCKED) { // BA16a64b2a over Wᵀ (k, n): a = c, b = r
            long block = (long) (r / OneDnn.ROW_BLOCK) * (k / OneDnn.COLUMN_BLOCK) + c / OneDnn.COLUMN_BLOCK;
            int a = c % OneDnn.COLUMN_BLOCK;
            long i = block * OneDnn.ROW_BLOCK * OneDnn.COLUMN_BLOCK
                    + (long) (a / 2) * OneDnn.ROW_BLOCK * 2
                    + (r % OneDnn.ROW_BLOCK) * 2L
                    + a % 2;
            return Bf16.get(w.values(), 2 * i);
        }
        int l = FloatVector.SPECIES_PREFERRED.length();
        int n4 = n - n % 4;
        if (r >= n4 || w.precision() == Precision.Q8_0_ROWS) return w.get((long) r * k + c); // a whole row
        int kv = k - k % l;
        long block = (long) (r - r % 4) * k;
        int lane = r % 4;
        return c < kv
                ? w.get(block + 4L * (c - c % l) + (long) lane * l + c % l)
                : w.get(block + 4L * kv + (long) lane * (k - kv) + (c - kv));
    }

    private static void check(PackedMatrix w, MemorySegment dst) {
        if (dst.byteSize() != (long) w.n() * w.k() * Float.BYTES) {
            throw new IllegalArgumentException(dst.byteSize() + " bytes for " + w.k() + " × " + w.n() + " floats");
        }
    }

    /** The row layouts ({@link PackedMatrix#row}): tiles of 16 rows, each written as 16 floats of every Wᵀ row. */
    private static void rows(PackedMatrix w, MemorySegment dst) {
        int n = w.n();
        int k = w.k();
        IntStream.range(0, (n + TILE - 1) / TILE).parallel().forEach(t -> {
            int from = t * TILE;
            int count = Math.min(TILE, n - from);
            float[] tile = new float[count * k]; // rows from .. from + count of W
            for (int i = 0; i < count; i++) w.row(from + i, tile, i * k);
            float[] column = new float[count];
            for (int c = 0; c < k; c++) {
                for (int i = 0; i < count; i++) column[i] = tile[i * k + c];
                MemorySegment.copy(column, 0, dst, FLOAT, ((long) c * n + from) * Float.BYTES, count);
            }
        });
    }

    /**
     * oneDNN's layout: each block of 64 W rows × 32 columns holds 16 pairs of columns, and a pair is 64 int32 lanes
     * whose low halves are one Wᵀ row's 64 bfloat16 values and whose high halves the next row's.
     */
    private static void blocked(PackedMatrix w, MemorySegment dst) {
        int n = w.n();
        int k = w.k();
        int rb = OneDnn.ROW_BLOCK;
        int cb = OneDnn.COLUMN_BLOCK;
        MemorySegment src = w.values();
        IntStream.range(0, n / rb).parallel().forEach(b -> {
            for (int a = 0; a < k / cb; a++) {
                long block = ((long) b * (k / cb) + a) * rb * cb * 2; // bytes
                for (int i = 0; i < cb; i += 2) {
                    long at = block + (long) i * rb * 2; // pair i / 2: rb int32 lanes
                    long even = ((long) (a * cb + i) * n + (long) b * rb) * Float.BYTES; // Wᵀ row a·cb + i
                    long odd = even + (long) n * Float.BYTES;
                    for (int j = 0; j < rb; j += I.length()) {
                        IntVector v = IntVector.fromMemorySegment(I, src, at + 4L * j, ByteOrder.LITTLE_ENDIAN);
                        v.lanewise(VectorOperators.LSHL, 16)
                                .reinterpretAsFloats()
                                .intoMemorySegment(dst, even + 4L * j, ByteOrder.nativeOrder());
                        v.and(0xFFFF0000)
                                .reinterpretAsFloats()
                                .intoMemorySegment(dst, odd + 4L * j, ByteOrder.nativeOrder());
                    }
                }
            }
        });
    }
}
