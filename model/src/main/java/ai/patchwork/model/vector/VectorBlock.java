package ai.patchwork.model.vector;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.nn.ProjectionGroup;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * One decoder block over the rows of a step: x += attn(norm(x)); x += mlp(norm(x)), with grouped-query attention
 * over the KV cache, rotary positions and each row's LoRA deltas. Same math as {@code nn.TransformerBlock}. On the
 * step's threads, matmuls split by output columns and the row-wise work by rows; each row keeps its own scratch. With
 * adapters, each matmul's LoRA deltas run beside it ({@link #project}) and are added in the row-wise phase after it.
 */
final class VectorBlock {

    private final int layer;
    private final float[] attentionNorm; // (E)
    private final PackedMatrix qkv; // ((N+2K)·H, E)
    private final float[] qkvBias; // ((N+2K)·H) or null
    private final PackedMatrix o; // (E, N·H)
    private final float[] mlpNorm; // (E)
    private final PackedMatrix gateUp; // (2·I, E)
    private final PackedMatrix down; // (E, I)
    private final float eps;
    private final int e;
    private final int n;
    private final int k;
    private final int hd;
    private final int inter;
    private final int qkvWidth;

    /** Weights (out, in) packed as {@link Gemm} reads them; q/k/v and gate/up stacked into one matrix each. */
    VectorBlock(
            int layer,
            ModelConfig c,
            float[] attentionNorm,
            PackedMatrix qkv,
            float[] qkvBias,
            PackedMatrix o,
            float[] mlpNorm,
            PackedMatrix gateUp,
            PackedMatrix down) {
        this.layer = layer;
        this.attentionNorm = attentionNorm;
        this.eps = (float) c.rmsNormEps();
        this.e = c.hiddenSize();
        this.n = c.numHeads();
        this.k = c.numKvHeads();
        this.hd = c.headDim();
        this.inter = c.intermediateSize();
        this.qkvWidth = (n + 2 * k) * hd;
        this.qkv = check(qkv, qkvWidth, e);
        this.qkvBias = qkvBias;
        this.o = check(o, e, n * hd);
        this.mlpNorm = mlpNorm;
        this.gateUp = check(gateUp, 2 * inter, e);
        this.down = check(down, e, inter);
    }

    private static PackedMatrix check(PackedMatrix w, int rows, int cols) {
        if (w.n() != rows || w.k() != cols) {
            throw new IllegalArgumentException(
                    w.n() + " × " + w.k() + " weights where " + rows + " × " + cols + " belong");
        }
        return w;
    }

    /** This block's packed matrices in load order: q/k/v, o, gate/up, down. */
    List<PackedMatrix> matrices() {
        return List.of(qkv, o, gateUp, down);
    }

    /** The packed matrix of a projection group, (Σout, in). */
    PackedMatrix matrix(ProjectionGroup group) {
        return switch (group) {
            case QKV -> qkv;
            case O -> o;
            case GATE_UP -> gateUp;
            case DOWN -> down;
        };
    }

    /** How many of this block's four matrices oneDNN multiplies ({@link NativeGemm}). */
    int nativeMatrices() {
        return (int) matrices().stream().filter(w -> w.precision().oneDnn()).count();
    }

    /** Bytes of this block's packed matrices. */
    long weightBytes() {
        return qkv.bytes() + o.bytes() + gateUp.bytes() + down.bytes();
    }

    void forward(StepRows s, VectorKvCache cache, VectorLoraSlots lora, float[] cos, float[] sin, StepThreads threads) {
        int rows = s.count;
        threads.split(rows, 1, (from, to, lane) -> {
            for (int r = from; r < to; r++) RowOps.rmsNorm(s.x, r * e, attentionNorm, eps, s.h, r * e);
        });
        project(s, s.h, e, qkv, s.qkv, lora, threads, QKV, 0, n * hd, (n + k) * hd); // (R, (N+2K)·H)
        threads.split(rows, 1, (from, to, lane) -> {
            for (int r = from; r < to; r++) {
                int q0 = r * qkvWidth;
                if (qkvBias != null) RowOps.add(qkvBias, 0, s.qkv, q0, qkvWidth);
                addDeltas(s, lora, r, s.qkv, qkvWidth);
                for (int head = 0; head < n + k; head++) rotate(s.qkv, q0 + head * hd, s.pos[r], cos, sin);
                store(s, r, cache);
            }
        });
        threads.split(rows * n, 1, (from, to, lane) -> { // by (row, query head): one row still takes every thread
            for (int i = from; i < to; i++) attend(s, i / n, i % n, cache, s.scores[lane]);
        });
        project(s, s.attended, n * hd, o, s.out, lora, threads, O, 0); // (R, E)
        threads.split(rows, 1, (from, to, lane) -> {
            for (int r = from; r < to; r++) {
                addDeltas(s, lora, r, s.out, e);
                RowOps.add(s.out, r * e, s.x, r * e, e);
                RowOps.rmsNorm(s.x, r * e, mlpNorm, eps, s.h, r * e);
            }
        });
        project(s, s.h, e, gateUp, s.gateUp, lora, threads, GATE_UP, 0, inter); // (R, 2·I)
        threads.split(rows, 1, (from, to, lane) -> {
            for (int r = from; r < to; r++) {
                addDeltas(s, lora, r, s.gateUp, 2 * inter);
                RowOps.siluMul(s.gateUp, r * 2 * inter, inter, s.act, r * inter); // (I)
            }
        });
        project(s, s.act, inter, down, s.out, lora, threads, DOWN, 0); // (R, E)
        threads.split(rows, 1, (from, to, lane) -> {
            for (int r = from; r < to; r++) {
                addDeltas(s, lora, r, s.out, e);
                RowOps.add(s.out, r * e, s.x, r * e, e);
            }
        });
    }

    private static final Projection[] QKV = {Projection.Q, Projection.K, Projection.V};
    private static final Projection[] O = {Projection.O};
    private static final Projection[] GATE_UP = {Projection.GATE, Projection.UP};
    private static final Projection[] DOWN = {Projection.DOWN};

    /**
     * y = in·Wᵀ (R, W.n) for a fused matmul whose projections {@code ps} start at columns {@code at}, and beside it the
     * rows' LoRA deltas of those projections into {@code s.delta}, two rows at a time, which {@link #addDeltas} then
     * adds. The deltas wait on memory (each row reads its own adapter, megabytes a step for a batch of different ones)
     * while the matmul waits on arithmetic over weights it reuses for every row, so the step's threads run them
     * together ({@link StepThreads#overlap}) rather than one after the other.
     */
    private void project(
            StepRows s,
            float[] in,
            int inWidth,
            PackedMatrix w,
            float[] y,
            VectorLoraSlots lora,
            StepThreads threads,
            Projection[] ps,
            int... at) {
        if (lora == null) {
            Gemm.matmul(in, s.count, w, y, threads);
            return;
        }
        int width = w.n();
        Gemm.matmul(in, s.count, w, y, threads, (s.count + 1) / 2, (pair, lane) -> {
            int r0 = 2 * pair;
            int r1 = Math.min(r0 + 1, s.count - 1); // an odd last row pairs with itself, its delta computed once
            int slot0 = s.loraSlot[r0];
            int slot1 = r1 == r0 ? 0 : s.loraSlot[r1];
            if (slot0 == 0 && slot1 == 0) return;
            java.util.Arrays.fill(s.delta, r0 * width, (r1 + 1) * width, 0);
            for (int i = 0; i < ps.length; i++) {
                lora.addDeltaPair(
                        slot0,
                        slot1,
                        layer,
                        ps[i],
                        in,
                        r0 * inWidth,
                        r1 * inWidth,
                        s.delta,
                        r0 * width + at[i],
                        r1 * width + at[i],
                        s.rank[lane],
                        s.wide[lane]);
            }
        });
    }

    /** y row r += its LoRA deltas from {@link #project}, if it has an adapter. */
    private static void addDeltas(StepRows s, VectorLoraSlots lora, int r, float[] y, int width) {
        if (lora != null && s.loraSlot[r] != 0) RowOps.add(s.delta, r * width, y, r * width, width);
    }

    /** Rotates one head of width H in place ("rotate half"): [a, b] → [a·cos − b·sin, b·cos + a·sin]. */
    private void rotate(float[] v, int off, int pos, float[] cos, float[] sin) {
        int half = hd / 2;
        int t = pos * hd;
        for (int i = 0; i < half; i++) {
            float a = v[off + i];
            float b = v[off + i + half];
            v[off + i] = a * cos[t + i] - b * sin[t + i];
            v[off + i + half] = b * cos[t + i + half] + a * sin[t + i + half];
        }
    }

    /** Writes row r's rotated key heads and value heads at its position in its cache slot. */
    private void store(StepRows s, int r, VectorKvCache cache) {
        int q0 = r * qkvWidth;
        MemorySegment keys = cache.keys[layer];
        for (int head = 0; head < k; head++) {
            long at = cache.offset(s.kvSlot[r], head);
            int key = q0 + (n + head) * hd;
            long k0 = at + AttentionOps.keyAt(s.pos[r], 0, hd); // its block, its lane; dimensions a block row apart
            for (int d = 0; d < hd; d++)
                keys.setAtIndex(ValueLayout.JAVA_FLOAT, k0 + (long) d * AttentionOps.BLOCK, s.qkv[key + d]);
            MemorySegment.copy( // row pos of (C, H)
                    s.qkv,
                    q0 + (n + k + head) * hd,
                    cache.values[layer],
                    ValueLayout.JAVA_FLOAT,
                    (at + (long) s.pos[r] * hd) * Float.BYTES,
                    hd);
        }
    }

    /** Row r's query head over positions 0..pos of its slot; query head i reads key/value head i / (N/K). */
    private void attend(StepRows s, int r, int head, VectorKvCache cache, float[] sc) {
        int len = s.pos[r] + 1;
        float scale = (float) (1 / Math.sqrt(hd));
        int q = r * qkvWidth + head * hd;
        long base = cache.offset(s.kvSlot[r], head / (n / k));
        AttentionOps.scores(s.qkv, q, scale, cache.keys[layer], base, hd, len, sc); // (len)
        RowOps.softmax(sc, len);
        AttentionOps.weightedSum(sc, len, cache.values[layer], base, hd, s.attended, r * n * hd + head * hd); // (H)
    }
}
