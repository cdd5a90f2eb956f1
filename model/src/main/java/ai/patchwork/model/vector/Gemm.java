package ai.patchwork.model.vector;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * y = x·Wᵀ for row-major float arrays: x (M, K), W (N, K) as checkpoints store projections (out, in), y (M, N).
 *
 * <p>Every output is a dot product of an x row and a W row. The inner loop is a register tile of 4 x rows × 4 W rows:
 * per SIMD step 8 loads feed 16 fused multiply-adds, and the 16 accumulators are reduced once at the end. W is packed
 * once ({@link PackedMatrix}) so that a tile's four rows are interleaved vector by vector: the whole matrix is then read as
 * one sequential stream, which the hardware prefetcher follows (four rows read side by side are four short streams
 * it does not, and a decode step then waits on memory: measured 6 GB/s unpacked, against 17 GB/s packed, for 12 MB
 * of weights at 8 rows). x rows past a multiple of 4 use 1 × 4 tiles, W rows past a multiple of 4 plain dot products,
 * and K past a multiple of the vector length a scalar tail. {@link #reference} is the plain loop the tests compare
 * it with.
 */
final class Gemm {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private Gemm() {}

    /** Writes row-major (n, k) {@code w} into {@code dst[off .. off + n·k)} in the layout of {@link PackedMatrix}. */
    static void pack(float[] w, int n, int k, float[] dst, int off) {
        int n4 = n - n % 4;
        int kv = k - k % L;
        int o = off;
        for (int j = 0; j < n4; j += 4) {
            for (int p = 0; p < kv; p += L) {
                for (int r = 0; r < 4; r++, o += L) System.arraycopy(w, (j + r) * k + p, dst, o, L);
            }
            for (int r = 0; r < 4; r++, o += k - kv) System.arraycopy(w, (j + r) * k + kv, dst, o, k - kv);
        }
        System.arraycopy(w, n4 * k, dst, o, (n - n4) * k);
    }

    /** y[0 .. m·n) = x[0 .. m·k) · wᵀ, overwriting y. */
    static void matmul(float[] x, int m, PackedMatrix w, float[] y) {
        if (onOneDnn(m, w)) NativeGemm.matmul(x, m, w, y, StepThreads.single());
        else matmul(x, m, w, y, 0, w.n());
    }

    /**
     * Whether oneDNN multiplies m rows by w: always for its blocked bfloat16 layout; for int8 weights in its layout
     * from two rows on, where the weights it widens once serve several rows (one row runs on {@link Q8Rows#dots}).
     */
    static boolean onOneDnn(int m, PackedMatrix w) {
        return w.precision() == Precision.BF16_BLOCKED || (w.precision() == Precision.Q8_0_ROWS && m >= 2);
    }

    /** Below this many multiply-adds a product runs on the calling thread: waking the others would cost more. */
    static final long MIN_SPLIT_MACS = 1 << 20;

    /** The same product with its output columns split over {@code threads} (in blocks of 4, the tile width). */
    static void matmul(float[] x, int m, PackedMatrix w, float[] y, StepThreads threads) {
        if (onOneDnn(m, w)) NativeGemm.matmul(x, m, w, y, threads);
        else if ((long) m * w.n() * w.k() < MIN_SPLIT_MACS) matmul(x, m, w, y, 0, w.n());
        else threads.split(w.n(), 4, (from, to, lane) -> matmul(x, m, w, y, from, to));
    }

    /**
     * The same product with {@code side} run for each of {@code [0, items)} beside it on the step's threads
     * ({@link StepThreads#overlap}), or after it on the caller when both are too small to split. The side's items must
     * not touch y.
     */
    static void matmul(
            float[] x, int m, PackedMatrix w, float[] y, StepThreads threads, int items, StepThreads.Item side) {
        if (onOneDnn(m, w)) {
            NativeGemm.matmul(x, m, w, y, threads, items, side);
        } else if ((long) m * w.n() * w.k() < MIN_SPLIT_MACS && items < 2) {
            matmul(x, m, w, y, 0, w.n());
            for (int i = 0; i < items; i++) side.run(i, 0);
        } else {
            threads.overlap(w.n(), 16, (from, to, lane) -> matmul(x, m, w, y, from, to), items, side);
        }
    }

    /**
     * Columns {@code [from, to)} of y = x · wᵀ; {@code from} is a multiple of 4. Below 4 rows (decode) each weight
     * vector is loaded from the packed matrix and, when held in bfloat16 or int8, widened in registers: the step
     * streams the weights once at memory speed. From 4 rows on, each block of 4 W rows is widened once into a float32
     * scratch that stays in cache and every 4 × 4 tile of x rows runs on it, so the widening is shared by all rows.
     */
    static void matmul(float[] x, int m, PackedMatrix w, float[] y, int from, int to) {
        if (w.precision() == Precision.BF16_BLOCKED) throw new IllegalArgumentException("blocked weights: NativeGemm");
        int n = w.n();
        int k = w.k();
        if (w.precision() == Precision.Q8_0_ROWS) { // each output a dot product of whole rows
            for (int i = 0; i < m; i++) Q8Rows.dots(x, i * k, w, from, to, y, i * n);
            return;
        }
        int m4 = m - m % 4;
        int blocks = Math.min(to, n - n % 4); // packed 4-row blocks end at n4; rows past it are whole
        boolean direct = m < 4 && w.precision() != Precision.F16;
        float[] scratch = direct && blocks >= to ? null : new float[4 * k]; // (4, K), one block
        int j = from;
        for (; j + 4 <= blocks; j += 4) {
            if (direct) {
                for (int i = 0; i < m; i++) {
                    if (w.precision() == Precision.Q8_0) Q8.tile1x4(x, i * k, w, j, y, i * n + j);
                    else tile1x4(x, i * k, w, (long) j * k, y, i * n + j);
                }
                continue;
            }
            w.widen((long) j * k, 4 * k, scratch, 0);
            for (int i = 0; i < m4; i += 4) tile4x4(x, i, k, scratch, 0, j, n, y);
            for (int i = m4; i < m; i++) tile1x4(x, i * k, k, scratch, 0, y, i * n + j);
        }
        for (; j < to; j++) {
            w.widen((long) j * k, k, scratch, 0);
            for (int i = 0; i < m; i++) y[i * n + j] = RowOps.dot(x, i * k, scratch, 0, k);
        }
    }

    /**
     * Four outputs of one x row read straight from a float32 or bfloat16 packed matrix; {@code wb}: the value where
     * the block of 4 packed rows starts.
     */
    private static void tile1x4(float[] x, int x0, PackedMatrix w, long wb, float[] y, int o) {
        MemorySegment s = w.values();
        int k = w.k();
        int kv = k - k % L;
        FloatVector zero = FloatVector.zero(S);
        FloatVector c0 = zero, c1 = zero, c2 = zero, c3 = zero;
        if (w.precision() == Precision.BF16) {
            long b = 2 * wb;
            for (int p = 0; p < kv; p += L, b += 8L * L) {
                FloatVector a = FloatVector.fromArray(S, x, x0 + p);
                c0 = a.fma(Bf16.load(s, b), c0);
                c1 = a.fma(Bf16.load(s, b + 2L * L), c1);
                c2 = a.fma(Bf16.load(s, b + 4L * L), c2);
                c3 = a.fma(Bf16.load(s, b + 6L * L), c3);
            }
        } else {
            long b = 4 * wb;
            for (int p = 0; p < kv; p += L, b += 16L * L) {
                FloatVector a = FloatVector.fromArray(S, x, x0 + p);
                c0 = a.fma(FloatVector.fromMemorySegment(S, s, b, ByteOrder.LITTLE_ENDIAN), c0);
                c1 = a.fma(FloatVector.fromMemorySegment(S, s, b + 4L * L, ByteOrder.LITTLE_ENDIAN), c1);
                c2 = a.fma(FloatVector.fromMemorySegment(S, s, b + 8L * L, ByteOrder.LITTLE_ENDIAN), c2);
                c3 = a.fma(FloatVector.fromMemorySegment(S, s, b + 12L * L, ByteOrder.LITTLE_ENDIAN), c3);
            }
        }
        long t = wb + 4L * kv; // the block's scalar tails, k - kv per row
        y[o] = sum(c0, x, x0, w, t, kv, k);
        y[o + 1] = sum(c1, x, x0, w, t + (k - kv), kv, k);
        y[o + 2] = sum(c2, x, x0, w, t + 2L * (k - kv), kv, k);
        y[o + 3] = sum(c3, x, x0, w, t + 3L * (k - kv), kv, k);
    }

    /** The accumulator's lanes plus the scalar tail: x[xo + kv ..] against the packed tail at value {@code wt}. */
    private static float sum(FloatVector acc, float[] x, int xo, PackedMatrix w, long wt, int kv, int k) {
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (int p = kv; p < k; p++) s += x[xo + p] * w.get(wt + p - kv);
        return s;
    }

    /** Outputs (i .. i+3, j .. j+3); {@code wb}: where the block of 4 packed W rows starts in {@code w}. */
    private static void tile4x4(float[] x, int i, int k, float[] w, int wb, int j, int n, float[] y) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector c00 = zero, c01 = zero, c02 = zero, c03 = zero;
        FloatVector c10 = zero, c11 = zero, c12 = zero, c13 = zero;
        FloatVector c20 = zero, c21 = zero, c22 = zero, c23 = zero;
        FloatVector c30 = zero, c31 = zero, c32 = zero, c33 = zero;
        int x0 = i * k, x1 = x0 + k, x2 = x1 + k, x3 = x2 + k;
        int kv = k - k % L;
        int wp = wb; // the block's packed vectors, 4 per step
        for (int p = 0; p < kv; p += L, wp += 4 * L) {
            FloatVector a0 = FloatVector.fromArray(S, x, x0 + p);
            FloatVector a1 = FloatVector.fromArray(S, x, x1 + p);
            FloatVector a2 = FloatVector.fromArray(S, x, x2 + p);
            FloatVector a3 = FloatVector.fromArray(S, x, x3 + p);
            FloatVector b = FloatVector.fromArray(S, w, wp);
            c00 = a0.fma(b, c00);
            c10 = a1.fma(b, c10);
            c20 = a2.fma(b, c20);
            c30 = a3.fma(b, c30);
            b = FloatVector.fromArray(S, w, wp + L);
            c01 = a0.fma(b, c01);
            c11 = a1.fma(b, c11);
            c21 = a2.fma(b, c21);
            c31 = a3.fma(b, c31);
            b = FloatVector.fromArray(S, w, wp + 2 * L);
            c02 = a0.fma(b, c02);
            c12 = a1.fma(b, c12);
            c22 = a2.fma(b, c22);
            c32 = a3.fma(b, c32);
            b = FloatVector.fromArray(S, w, wp + 3 * L);
            c03 = a0.fma(b, c03);
            c13 = a1.fma(b, c13);
            c23 = a2.fma(b, c23);
            c33 = a3.fma(b, c33);
        }
        int t = wb + 4 * kv; // the block's scalar tails, k - kv per row
        int w0 = t, w1 = t + (k - kv), w2 = w1 + (k - kv), w3 = w2 + (k - kv);
        int o = i * n + j;
        y[o] = sum(c00, x, x0, w, w0, kv, k);
        y[o + 1] = sum(c01, x, x0, w, w1, kv, k);
        y[o + 2] = sum(c02, x, x0, w, w2, kv, k);
        y[o + 3] = sum(c03, x, x0, w, w3, kv, k);
        y[o + n] = sum(c10, x, x1, w, w0, kv, k);
        y[o + n + 1] = sum(c11, x, x1, w, w1, kv, k);
        y[o + n + 2] = sum(c12, x, x1, w, w2, kv, k);
        y[o + n + 3] = sum(c13, x, x1, w, w3, kv, k);
        y[o + 2 * n] = sum(c20, x, x2, w, w0, kv, k);
        y[o + 2 * n + 1] = sum(c21, x, x2, w, w1, kv, k);
        y[o + 2 * n + 2] = sum(c22, x, x2, w, w2, kv, k);
        y[o + 2 * n + 3] = sum(c23, x, x2, w, w3, kv, k);
        y[o + 3 * n] = sum(c30, x, x3, w, w0, kv, k);
        y[o + 3 * n + 1] = sum(c31, x, x3, w, w1, kv, k);
        y[o + 3 * n + 2] = sum(c32, x, x3, w, w2, kv, k);
        y[o + 3 * n + 3] = sum(c33, x, x3, w, w3, kv, k);
    }

    /**
     * y[yo .. yo + n) = x[xo .. xo + k) · wᵀ for one x row, W (n, k) packed as {@link #pack} writes it at
     * {@code w[wo ..]}: the same tiles as {@link #matmul} at m = 1.
     */
    static void matvec(float[] x, int xo, float[] w, int wo, int n, int k, float[] y, int yo) {
        int n4 = n - n % 4;
        for (int j = 0; j < n4; j += 4) tile1x4(x, xo, k, w, wo + j * k, y, yo + j);
        for (int j = n4; j < n; j++) y[yo + j] = RowOps.dot(x, xo, w, wo + j * k, k);
    }

    /**
     * {@link #matvec} for two x rows against two matrices at once, each (n, k) packed, n a multiple of 4 and k of the
     * vector length: y0 = x[xo0 ..]·w0ᵀ and y1 = x[xo1 ..]·w1ᵀ, with the same sums as two {@code matvec} calls (or
     * {@link Gemm16#matvec} calls for a matrix held as 16-bit integers, {@link WeightArray#i16}, before its scales).
     * The two matrices are read as two streams side by side, so their cache misses overlap: the LoRA shrinks of a batch
     * read a few kilobytes each of different adapters, and one such stream at a time leaves the core waiting on each in
     * turn.
     */
    static void matvecPair(
            float[] x,
            int xo0,
            WeightArray w0,
            int wo0,
            float[] y0,
            int yo0,
            int xo1,
            WeightArray w1,
            int wo1,
            float[] y1,
            int yo1,
            int n,
            int k) {
        if (n % 4 != 0 || k % L != 0) throw new IllegalArgumentException("n must be a multiple of 4 and k of " + L);
        if (w0.half() || w1.half()) throw new IllegalArgumentException("float32 or 16-bit integer weights only");
        for (int j = 0; j < n; j += 4)
            tile1x4Pair(x, xo0, w0, wo0 + j * k, y0, yo0 + j, xo1, w1, wo1 + j * k, y1, yo1 + j, k);
    }

    /** {@link #tile1x4} for two rows against two packed blocks, k a multiple of the vector length. */
    private static void tile1x4Pair(
            float[] x,
            int x0,
            WeightArray w,
            int wb,
            float[] y,
            int o,
            int x1,
            WeightArray v,
            int vb,
            float[] z,
            int q,
            int k) {
        float[] wf = w.f32(), vf = v.f32();
        short[] wq = w.i16(), vq = v.i16();
        FloatVector zero = FloatVector.zero(S);
        FloatVector c0 = zero, c1 = zero, c2 = zero, c3 = zero;
        FloatVector d0 = zero, d1 = zero, d2 = zero, d3 = zero;
        for (int p = 0, wp = wb, vp = vb; p < k; p += L, wp += 4 * L, vp += 4 * L) {
            FloatVector a = FloatVector.fromArray(S, x, x0 + p);
            FloatVector b = FloatVector.fromArray(S, x, x1 + p);
            c0 = a.fma(Int16.load(wf, wq, wp), c0);
            d0 = b.fma(Int16.load(vf, vq, vp), d0);
            c1 = a.fma(Int16.load(wf, wq, wp + L), c1);
            d1 = b.fma(Int16.load(vf, vq, vp + L), d1);
            c2 = a.fma(Int16.load(wf, wq, wp + 2 * L), c2);
            d2 = b.fma(Int16.load(vf, vq, vp + 2 * L), d2);
            c3 = a.fma(Int16.load(wf, wq, wp + 3 * L), c3);
            d3 = b.fma(Int16.load(vf, vq, vp + 3 * L), d3);
        }
        reduce4(c0, c1, c2, c3, y, o);
        reduce4(d0, d1, d2, d3, z, q);
    }

    /** y[o .. o + 4) = the lane sums of four accumulators: the outputs of a 1 × 4 tile. */
    static void reduce4(FloatVector c0, FloatVector c1, FloatVector c2, FloatVector c3, float[] y, int o) {
        y[o] = c0.reduceLanes(VectorOperators.ADD);
        y[o + 1] = c1.reduceLanes(VectorOperators.ADD);
        y[o + 2] = c2.reduceLanes(VectorOperators.ADD);
        y[o + 3] = c3.reduceLanes(VectorOperators.ADD);
    }

    /** Four outputs of one x row; {@code wb}: where the block of 4 packed W rows starts. */
    private static void tile1x4(float[] x, int x0, int k, float[] w, int wb, float[] y, int o) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector c0 = zero, c1 = zero, c2 = zero, c3 = zero;
        int kv = k - k % L;
        int wp = wb;
        for (int p = 0; p < kv; p += L, wp += 4 * L) {
            FloatVector a = FloatVector.fromArray(S, x, x0 + p);
            c0 = a.fma(FloatVector.fromArray(S, w, wp), c0);
            c1 = a.fma(FloatVector.fromArray(S, w, wp + L), c1);
            c2 = a.fma(FloatVector.fromArray(S, w, wp + 2 * L), c2);
            c3 = a.fma(FloatVector.fromArray(S, w, wp + 3 * L), c3);
        }
        int t = wb + 4 * kv;
        int w0 = t, w1 = t + (k - kv), w2 = w1 + (k - kv), w3 = w2 + (k - kv);
        y[o] = sum(c0, x, x0, w, w0, kv, k);
        y[o + 1] = sum(c1, x, x0, w, w1, kv, k);
        y[o + 2] = sum(c2, x, x0, w, w2, kv, k);
        y[o + 3] = sum(c3, x, x0, w, w3, kv, k);
    }

    /** The accumulator's lanes plus the scalar tail: x[xo + kv ..] against the packed tail at {@code wt}. */
    private static float sum(FloatVector acc, float[] x, int xo, float[] w, int wt, int kv, int k) {
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (int p = kv; p < k; p++) s += x[xo + p] * w[wt + p - kv];
        return s;
    }

    /** The same product as a plain loop in double precision: the ground truth for {@link #matmul}. */
    static void reference(float[] x, int m, int k, float[] w, int n, float[] y) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) s += (double) x[i * k + p] * w[j * k + p];
                y[i * n + j] = (float) s;
            }
        }
    }
}
