package ai.patchwork.model.vector;

import ai.patchwork.model.safetensors.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Q8}'s values and scales ({@link Precision#Q8_0_ROWS}) in the layout oneDNN's matmul with int8 weights reads
 * ({@link NativeGemm}): the int8 values of W (N, K) row after row, which is Wᵀ (K, N) in oneDNN's plain {@code ba}
 * layout, so any range of rows is itself such a matrix; the scales in pieces of {@link #PIECE} rows, each piece (K /
 * 32, its rows) row-major, the dense per-group scales oneDNN takes for a product of that piece's width. A product
 * then runs piece by piece, each on the piece's own values and scales.
 *
 * <p>A single x row is multiplied here ({@link #dots}): oneDNN widens every weight to bfloat16 before multiplying,
 * which pays off only when two or more rows share the widened weights. The scales are held a second time after
 * oneDNN's, in half precision (as Q8_0 stores them; {@link Q8#quantize} rounds every scale to it) and row after row
 * (N, K / 32), for it: read from oneDNN's pieces, one row's 64 scales of a K of 2048 lie in
 * 64 cache lines a piece apart, which stalls the row on cache misses; row by row they are the next 4 lines of one
 * stream. That costs 2 bytes per 32 weights more, and a one-row step reads 34 bytes per 32 weights, as llama.cpp's
 * Q8_0 does.
 */
final class Q8Rows {

    /** W rows per piece of scales: a thread's range of rows starts at a multiple of it. */
    static final int PIECE = 256;

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ValueLayout.OfFloat FLOAT_LE = PackedMatrix.FLOAT_LE;
    private static final ValueLayout.OfShort HALF_LE = Bf16.SHORT_LE;

    private Q8Rows() {}

    /** Index of the scale of row {@code row}, group {@code g}, in oneDNN's copy of an (n, k) matrix's scales. */
    static long scaleIndex(int n, int k, int row, int g) {
        int groups = k / Q8.GROUP;
        int first = row - row % PIECE;
        int width = Math.min(PIECE, n - first);
        return (long) first * groups + (long) g * width + row % PIECE;
    }

    /** Quantizes {@code n} source rows (row j at byte {@code rowAt[j]} of {@code rowSeg[j]}) into this layout. */
    static PackedMatrix pack(MemorySegment[] rowSeg, long[] rowAt, DType dtype, int n, int k, Arena arena) {
        if (!Q8.fits(k)) throw new IllegalArgumentException("rows of " + k + " values do not split into groups");
        MemorySegment q = OffHeap.allocate((long) n * k, arena);
        MemorySegment scales = OffHeap.allocate(PackedMatrix.scaleBytes(Precision.Q8_0_ROWS, n, k), arena);
        IntStream.range(0, (n + 3) / 4).parallel().forEach(b -> {
            float[] row = new float[k];
            byte[] qs = new byte[k];
            for (int j = 4 * b; j < Math.min(n, 4 * b + 4); j++) {
                Q8.read(rowSeg[j], rowAt[j], dtype, row, k);
                for (int g = 0; g < k / Q8.GROUP; g++) {
                    float d = Q8.quantize(row, g * Q8.GROUP, qs);
                    scales.set(FLOAT_LE, Float.BYTES * scaleIndex(n, k, j, g), d);
                    scales.set(HALF_LE, rowScaleAt(n, k, j, g), Float.floatToFloat16(d));
                }
                MemorySegment.copy(qs, 0, q, ValueLayout.JAVA_BYTE, (long) j * k, k);
            }
        });
        return new PackedMatrix(q, scales, Precision.Q8_0_ROWS, n, k);
    }

    /** Byte offset of the same scale, in half precision, in the row-by-row copy after oneDNN's. */
    static long rowScaleAt(int n, int k, int row, int g) {
        long groups = k / Q8.GROUP;
        return n * groups * Float.BYTES + (row * groups + g) * Short.BYTES;
    }

    private static float scale(PackedMatrix w, int row, int col) {
        return Float.float16ToFloat(w.scales().get(HALF_LE, rowScaleAt(w.n(), w.k(), row, col / Q8.GROUP)));
    }

    /** The half-precision scale at byte {@code at} of {@code scales}, broadcast. */
    private static FloatVector scaleAt(MemorySegment scales, long at) {
        return FloatVector.broadcast(S, Float.float16ToFloat(scales.get(HALF_LE, at)));
    }

    /** Value {@code i} (row i / k, column i % k), dequantized. */
    static float get(PackedMatrix w, long i) {
        int k = w.k();
        return w.values().get(ValueLayout.JAVA_BYTE, i) * scale(w, (int) (i / k), (int) (i % k));
    }

    /** dst[dOff ..] = values [from .. from + len) dequantized; {@code from} and {@code len} whole vectors. */
    static void widen(PackedMatrix w, long from, int len, float[] dst, int dOff) {
        if (from % L != 0 || len % L != 0) throw new IllegalArgumentException("whole vectors only");
        int k = w.k();
        for (int i = 0; i < len; i += L) { // a vector lies in one group of one row: k is whole groups
            long e = from + i;
            Q8.load(w.values(), e).mul(scale(w, (int) (e / k), (int) (e % k))).intoArray(dst, dOff + i);
        }
    }

    /**
     * y[y0 + j] = row j of W times x[x0 .. x0 + k), for the rows {@code [from, to)}: the first half of the range and
     * the second half in step, two rows a turn ({@link #dotPair}); the last row of an odd count is paired with itself.
     */
    static void dots(float[] x, int x0, PackedMatrix w, int from, int to, float[] y, int y0) {
        int half = (to - from) / 2;
        for (int j = from; j < from + half; j++) dotPair(x, x0, w, j, j + half, y, y0);
        if ((to - from) % 2 != 0) dotPair(x, x0, w, to - 1, to - 1, y, y0);
    }

    /**
     * Rows {@code a} and {@code b} of W times x[x0 .. x0 + k), into y[y0 + a] and y[y0 + b]: per group, a sum of 32
     * products, then times the group's scale (from the row-by-row copy). Each x vector loaded serves both rows, and two
     * independent rows keep the multipliers busy: this loop runs once for every weight of a one-row step. Rows far
     * apart (half a range) stream from two places, which the hardware prefetches better than two neighbouring rows.
     */
    private static void dotPair(float[] x, int x0, PackedMatrix w, int a, int b, float[] y, int y0) {
        MemorySegment q = w.values();
        MemorySegment sc = w.scales();
        int k = w.k();
        long ra = (long) a * k;
        long rb = (long) b * k;
        long sa = rowScaleAt(w.n(), k, a, 0);
        long sb = rowScaleAt(w.n(), k, b, 0);
        FloatVector ca = FloatVector.zero(S), cb = FloatVector.zero(S);
        for (int p = 0; p < k; p += Q8.GROUP) {
            FloatVector xv = FloatVector.fromArray(S, x, x0 + p);
            FloatVector ta = xv.mul(Q8.load(q, ra + p));
            FloatVector tb = xv.mul(Q8.load(q, rb + p));
            for (int i = L; i < Q8.GROUP; i += L) {
                xv = FloatVector.fromArray(S, x, x0 + p + i);
                ta = xv.fma(Q8.load(q, ra + p + i), ta);
                tb = xv.fma(Q8.load(q, rb + p + i), tb);
            }
            long g = (long) Short.BYTES * (p / Q8.GROUP);
            ca = ta.fma(scaleAt(sc, sa + g), ca);
            cb = tb.fma(scaleAt(sc, sb + g), cb);
        }
        y[y0 + a] = ca.reduceLanes(VectorOperators.ADD);
        y[y0 + b] = cb.reduceLanes(VectorOperators.ADD);
    }
}
