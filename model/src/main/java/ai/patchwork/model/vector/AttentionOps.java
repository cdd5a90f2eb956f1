package ai.patchwork.model.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two products of one query head's attention over a cache slot, as register-tiled SIMD loops: scores over the
 * positions from keys stored transposed in blocks of positions ({@link #keyAt}), and the score-weighted sum of values
 * stored by position (C, H). Keys and values are read from the KV cache's off-heap memory; offsets count floats.
 *
 * <p>Both keep their partial sums in registers for the whole reduction and run four independent multiply-add chains,
 * so the loop is bound by loads rather than by the latency of one chain (a row-at-a-time axpy loaded and stored the
 * output once per head dimension or per position). {@link #scoresReference} and {@link #weightedSumReference} are the
 * plain loops the tests compare them with.
 */
final class AttentionOps {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private AttentionOps() {}

    /** Positions per key block: one SIMD vector. */
    static final int BLOCK = L;

    /**
     * Where key dimension {@code d} of position {@code p} lies from its head's start, keys being stored in blocks of
     * {@link #BLOCK} positions (C/B, H, B): within a block, each dimension's B positions side by side. A query's scores
     * over positions 0..len then read len·H contiguous floats, whatever the cache's capacity (one row of H, C per
     * dimension, as before, put each dimension's positions a whole capacity apart: 32 pages a head at 4,096 positions).
     */
    static int keyAt(int p, int d, int hd) {
        return (p / BLOCK) * hd * BLOCK + d * BLOCK + p % BLOCK;
    }

    /**
     * out[p] = scale · Σ_d q[qo + d] · keys[ko + keyAt(p, d)] for p < len: one query head against its keys in blocks
     * ({@link #keyAt}) starting at {@code ko}.
     */
    static void scores(float[] q, int qo, float scale, MemorySegment keys, long ko, int hd, int len, float[] out) {
        long block = (long) hd * BLOCK * Float.BYTES; // bytes of one block of positions
        int p = 0;
        for (; p + 4 * L <= len; p += 4 * L) { // four blocks at a time, each read front to back
            FloatVector s0 = FloatVector.zero(S),
                    s1 = FloatVector.zero(S),
                    s2 = FloatVector.zero(S),
                    s3 = FloatVector.zero(S);
            long k = ko * Float.BYTES + p / BLOCK * block;
            for (int d = 0; d < hd; d++, k += BLOCK * Float.BYTES) {
                FloatVector qd = FloatVector.broadcast(S, q[qo + d]);
                s0 = FloatVector.fromMemorySegment(S, keys, k, ORDER).fma(qd, s0);
                s1 = FloatVector.fromMemorySegment(S, keys, k + block, ORDER).fma(qd, s1);
                s2 = FloatVector.fromMemorySegment(S, keys, k + 2 * block, ORDER)
                        .fma(qd, s2);
                s3 = FloatVector.fromMemorySegment(S, keys, k + 3 * block, ORDER)
                        .fma(qd, s3);
            }
            s0.mul(scale).intoArray(out, p);
            s1.mul(scale).intoArray(out, p + L);
            s2.mul(scale).intoArray(out, p + 2 * L);
            s3.mul(scale).intoArray(out, p + 3 * L);
        }
        for (; p < len; p += L) { // one block at a time; the last one masked to the positions that exist
            VectorMask<Float> m = S.indexInRange(p, len);
            FloatVector s0 = FloatVector.zero(S);
            long k = ko * Float.BYTES + p / BLOCK * block;
            for (int d = 0; d < hd; d++, k += BLOCK * Float.BYTES) {
                s0 = FloatVector.fromMemorySegment(S, keys, k, ORDER, m).fma(FloatVector.broadcast(S, q[qo + d]), s0);
            }
            s0.mul(scale).intoArray(out, p, m);
        }
    }

    /**
     * y[yo + d] = Σ_p w[p] · values[vo + p·hd + d] for d < hd, p < len: the weighted sum of one head's values (C, H)
     * starting at {@code vo}. Overwrites y.
     */
    static void weightedSum(float[] w, int len, MemorySegment values, long vo, int hd, float[] y, int yo) {
        long row = (long) hd * Float.BYTES; // bytes of one position's values
        for (int d = 0; d < hd; d += L) { // the last chunk of the head masked to the lanes that exist
            VectorMask<Float> m = S.indexInRange(d, hd);
            boolean full = d + L <= hd;
            FloatVector a0 = FloatVector.zero(S),
                    a1 = FloatVector.zero(S),
                    a2 = FloatVector.zero(S),
                    a3 = FloatVector.zero(S);
            int p = 0;
            long v = (vo + d) * Float.BYTES;
            for (; p + 4 <= len; p += 4, v += 4 * row) {
                a0 = load(values, v, m, full).fma(FloatVector.broadcast(S, w[p]), a0);
                a1 = load(values, v + row, m, full).fma(FloatVector.broadcast(S, w[p + 1]), a1);
                a2 = load(values, v + 2 * row, m, full).fma(FloatVector.broadcast(S, w[p + 2]), a2);
                a3 = load(values, v + 3 * row, m, full).fma(FloatVector.broadcast(S, w[p + 3]), a3);
            }
            for (; p < len; p++, v += row) a0 = load(values, v, m, full).fma(FloatVector.broadcast(S, w[p]), a0);
            a0.add(a1).add(a2.add(a3)).intoArray(y, yo + d, m);
        }
    }

    /** Lanes {@code m} of the floats at byte {@code at}; a whole vector when {@code full}. */
    private static FloatVector load(MemorySegment values, long at, VectorMask<Float> m, boolean full) {
        return full
                ? FloatVector.fromMemorySegment(S, values, at, ORDER)
                : FloatVector.fromMemorySegment(S, values, at, ORDER, m);
    }

    /** {@link #scores} as a plain loop in double precision. */
    static void scoresReference(
            float[] q, int qo, float scale, MemorySegment keys, long ko, int hd, int len, float[] out) {
        for (int p = 0; p < len; p++) {
            double s = 0;
            for (int d = 0; d < hd; d++) s += (double) q[qo + d] * at(keys, ko + keyAt(p, d, hd));
            out[p] = (float) (s * scale);
        }
    }

    /** {@link #weightedSum} as a plain loop in double precision. */
    static void weightedSumReference(float[] w, int len, MemorySegment values, long vo, int hd, float[] y, int yo) {
        for (int d = 0; d < hd; d++) {
            double s = 0;
            for (int p = 0; p < len; p++) s += (double) w[p] * at(values, vo + (long) p * hd + d);
            y[yo + d] = (float) s;
        }
    }

    private static float at(MemorySegment floats, long index) {
        return floats.getAtIndex(ValueLayout.JAVA_FLOAT, index);
    }
}
