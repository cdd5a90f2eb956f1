package ai.patchwork.model.vector;

import ai.patchwork.model.safetensors.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.stream.IntStream;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Block-wise int8 weights, as llama.cpp's Q8_0: every 32 consecutive values of a row share one scale d = max|w| / 127
 * and are held as round(w / d), so each value is within d / 2 of the original. The int8 values sit in the layout of
 * {@link PackedMatrix} (4-row blocks interleaved vector by vector); the float32 scales sit beside them, for each 4-row
 * block group by group, the 4 rows' scales side by side. Kernels read the int8 values, widen them in registers and
 * apply a group's scale once per 32 products.
 */
final class Q8 {

    /** Values per scale. */
    static final int GROUP = 32;

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L));
    private static final ValueLayout.OfFloat FLOAT_LE = PackedMatrix.FLOAT_LE;

    private Q8() {}

    /** Whether rows of {@code k} values split into whole groups and vectors; else the matrix stays unquantized. */
    static boolean fits(int k) {
        return k % GROUP == 0 && GROUP % L == 0;
    }

    /** Index of the scale of row {@code row}, group {@code g}, in a matrix whose 4-row blocks end at {@code n4}. */
    static long scaleIndex(int n4, int k, int row, int g) {
        int groups = k / GROUP;
        return row < n4 ? (long) (row - row % 4) * groups + 4L * g + row % 4 : (long) row * groups + g;
    }

    /** Quantizes and packs {@code n} source rows (row j at byte {@code rowAt[j]} of {@code rowSeg[j]}). */
    static PackedMatrix pack(MemorySegment[] rowSeg, long[] rowAt, DType dtype, int n, int k, Arena arena) {
        MemorySegment q = OffHeap.allocate((long) n * k, arena);
        MemorySegment scales = OffHeap.allocate((long) n * (k / GROUP) * Float.BYTES, arena);
        int n4 = n - n % 4;
        IntStream.range(0, (n + 3) / 4).parallel().forEach(b -> {
            float[] row = new float[k];
            byte[] qs = new byte[k];
            for (int j = 4 * b; j < Math.min(n, 4 * b + 4); j++) {
                read(rowSeg[j], rowAt[j], dtype, row, k);
                for (int g = 0; g < k / GROUP; g++) {
                    float d = quantize(row, g * GROUP, qs);
                    scales.set(FLOAT_LE, Float.BYTES * scaleIndex(n4, k, j, g), d);
                }
                if (j >= n4) {
                    MemorySegment.copy(qs, 0, q, ValueLayout.JAVA_BYTE, (long) j * k, k);
                    continue;
                }
                long block = (long) (j - j % 4) * k;
                for (int p = 0; p < k; p += L) {
                    MemorySegment.copy(qs, p, q, ValueLayout.JAVA_BYTE, block + 4L * p + (long) (j % 4) * L, L);
                }
            }
        });
        return new PackedMatrix(q, scales, Precision.Q8_0, n, k);
    }

    /**
     * qs[at .. at + 32) = round(w / d), within ±127, for the group of {@code row} at {@code at}; returns d = max|w| /
     * 127 rounded to half precision, as Q8_0 stores it, so that {@link Q8Rows} can hold it in 2 bytes and every layout
     * multiplies by the same scale.
     */
    static float quantize(float[] row, int at, byte[] qs) {
        float amax = 0;
        for (int i = at; i < at + GROUP; i++) amax = Math.max(amax, Math.abs(row[i]));
        float d = Float.float16ToFloat(Float.floatToFloat16(amax / 127));
        float inv = d == 0 ? 0 : 1 / d;
        for (int i = at; i < at + GROUP; i++) qs[i] = (byte) Math.clamp(Math.round(row[i] * inv), -127, 127);
        return d;
    }

    /** One source row as float32. */
    static void read(MemorySegment s, long at, DType dtype, float[] row, int k) {
        switch (dtype) {
            case BF16 -> Bf16.widen(s, at, row, 0, k);
            case F16 -> F16.widen(s, at, row, 0, k);
            case F32 -> MemorySegment.copy(s, FLOAT_LE, at, row, 0, k);
            case F64 -> {
                ValueLayout.OfDouble f64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < k; i++) row[i] = (float) s.get(f64, at + 8L * i);
            }
            default -> throw new IllegalArgumentException(dtype + " is not a floating-point type");
        }
    }

    /** The L int8 values at byte {@code offset} as float32 lanes (unscaled). */
    static FloatVector load(MemorySegment q, long offset) {
        return (FloatVector) ByteVector.fromMemorySegment(BYTES, q, offset, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2F, S, 0);
    }

    /** The row and column of packed value {@code i}. */
    private static int[] position(PackedMatrix w, long i) {
        int k = w.k();
        int n4 = w.n() - w.n() % 4;
        if (i >= (long) n4 * k) return new int[] {(int) (i / k), (int) (i % k)};
        long rem = i % (4L * k);
        int r = (int) (rem % (4L * L)) / L;
        return new int[] {(int) (i / (4L * k)) * 4 + r, (int) (rem / (4L * L)) * L + (int) (rem % L)};
    }

    private static float scale(PackedMatrix w, int row, int col) {
        int n4 = w.n() - w.n() % 4;
        return w.scales().get(FLOAT_LE, Float.BYTES * scaleIndex(n4, w.k(), row, col / GROUP));
    }

    /** Packed value {@code i}, dequantized. */
    static float get(PackedMatrix w, long i) {
        int[] rc = position(w, i);
        return w.values().get(ValueLayout.JAVA_BYTE, i) * scale(w, rc[0], rc[1]);
    }

    /** dst[dOff ..] = packed values [from .. from + len) dequantized; {@code from} and {@code len} whole vectors. */
    static void widen(PackedMatrix w, long from, int len, float[] dst, int dOff) {
        if (from % L != 0 || len % L != 0) throw new IllegalArgumentException("whole vectors only");
        int k = w.k();
        int groups = k / GROUP;
        long blocks = (long) (w.n() - w.n() % 4) * k; // values in 4-row blocks
        MemorySegment q = w.values();
        MemorySegment sc = w.scales();
        int i = 0;
        while (i < len) { // a vector of values shares its row and group
            long e = from + i;
            if (e < blocks) {
                long start = e - e % (4L * k);
                long j = start / k; // the block's first row
                for (long rem = e - start; i < len && rem < 4L * k; i += L, rem += L) {
                    long col = rem / (4L * L) * L;
                    long scale = j * groups + col / GROUP * 4 + rem / L % 4;
                    load(q, from + i).mul(sc.get(FLOAT_LE, Float.BYTES * scale)).intoArray(dst, dOff + i);
                }
            } else {
                long row = e / k;
                for (long col = e % k; i < len && col < k; i += L, col += L) {
                    float d = sc.get(FLOAT_LE, Float.BYTES * (row * groups + col / GROUP));
                    load(q, from + i).mul(d).intoArray(dst, dOff + i);
                }
            }
        }
    }

    /** Outputs j .. j + 3 of one x row: per group, four sums of 32 products, each then times its row's scale. */
    static void tile1x4(float[] x, int x0, PackedMatrix w, int j, float[] y, int o) {
        MemorySegment q = w.values();
        MemorySegment sc = w.scales();
        int k = w.k();
        long wb = (long) j * k;
        long sb = (long) Float.BYTES * j * (k / GROUP); // the block's scales, 4 per group
        FloatVector c0 = FloatVector.zero(S),
                c1 = FloatVector.zero(S),
                c2 = FloatVector.zero(S),
                c3 = FloatVector.zero(S);
        for (int g = 0; g < k; g += GROUP, sb += 4L * Float.BYTES) {
            FloatVector t0 = FloatVector.zero(S), t1 = FloatVector.zero(S);
            FloatVector t2 = FloatVector.zero(S), t3 = FloatVector.zero(S);
            for (int p = g; p < g + GROUP; p += L) {
                FloatVector a = FloatVector.fromArray(S, x, x0 + p);
                long b = wb + 4L * p;
                t0 = a.fma(load(q, b), t0);
                t1 = a.fma(load(q, b + L), t1);
                t2 = a.fma(load(q, b + 2L * L), t2);
                t3 = a.fma(load(q, b + 3L * L), t3);
            }
            c0 = t0.fma(FloatVector.broadcast(S, sc.get(FLOAT_LE, sb)), c0);
            c1 = t1.fma(FloatVector.broadcast(S, sc.get(FLOAT_LE, sb + 4)), c1);
            c2 = t2.fma(FloatVector.broadcast(S, sc.get(FLOAT_LE, sb + 8)), c2);
            c3 = t3.fma(FloatVector.broadcast(S, sc.get(FLOAT_LE, sb + 12)), c3);
        }
        Gemm.reduce4(c0, c1, c2, c3, y, o);
    }
}
