package ai.patchwork.model.vector;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.nn.Projection;

/**
 * One decoder block over the rows of a step: x += attn(norm(x)); x += mlp(norm(x)), with grouped-query attention
 * over the KV cache, rotary positions and each row's LoRA deltas. Same math as {@code nn.TransformerBlock}. On the
 * step's threads, matmuls split by output columns and the row-wise work by rows; each row keeps its own scratch.
 */
final class VectorBlock {

  private final int layer;
  private final float[] attentionNorm; // (E)
  private final Gemm.Packed qkv; // ((N+2K)·H, E)
  private final float[] qkvBias; // ((N+2K)·H) or null
  private final Gemm.Packed o; // (E, N·H)
  private final float[] mlpNorm; // (E)
  private final Gemm.Packed gateUp; // (2·I, E)
  private final Gemm.Packed down; // (E, I)
  private final float eps;
  private final int e;
  private final int n;
  private final int k;
  private final int hd;
  private final int inter;
  private final int qkvWidth;

  VectorBlock(int layer, ModelConfig c, float[] attentionNorm, float[] qkv, float[] qkvBias, float[] o,
      float[] mlpNorm, float[] gateUp, float[] down) {
    this.layer = layer;
    this.attentionNorm = attentionNorm;
    this.eps = (float) c.rmsNormEps();
    this.e = c.hiddenSize();
    this.n = c.numHeads();
    this.k = c.numKvHeads();
    this.hd = c.headDim();
    this.inter = c.intermediateSize();
    this.qkvWidth = (n + 2 * k) * hd;
    this.qkv = Gemm.Packed.of(qkv, qkvWidth, e);
    this.qkvBias = qkvBias;
    this.o = Gemm.Packed.of(o, e, n * hd);
    this.mlpNorm = mlpNorm;
    this.gateUp = Gemm.Packed.of(gateUp, 2 * inter, e);
    this.down = Gemm.Packed.of(down, e, inter);
  }

  void forward(StepRows s, VectorKvCache cache, VectorLoraSlots lora, float[] cos, float[] sin, StepThreads threads) {
    int rows = s.count;
    threads.split(rows, 1, (from, to, lane) -> {
      for (int r = from; r < to; r++) RowOps.rmsNorm(s.x, r * e, attentionNorm, eps, s.h, r * e);
    });
    Gemm.matmul(s.h, rows, qkv, s.qkv, threads); // (R, (N+2K)·H)
    threads.split(rows, 1, (from, to, lane) -> {
      for (int r = from; r < to; r++) {
        int q0 = r * qkvWidth;
        if (qkvBias != null) RowOps.add(qkvBias, 0, s.qkv, q0, qkvWidth);
        if (lora != null) {
          float[] t = s.rank[lane];
          float[] w = s.wide[lane];
          lora.addDelta(s.loraSlot[r], layer, Projection.Q, s.h, r * e, s.qkv, q0, t, w);
          lora.addDelta(s.loraSlot[r], layer, Projection.K, s.h, r * e, s.qkv, q0 + n * hd, t, w);
          lora.addDelta(s.loraSlot[r], layer, Projection.V, s.h, r * e, s.qkv, q0 + (n + k) * hd, t, w);
        }
        for (int head = 0; head < n + k; head++) rotate(s.qkv, q0 + head * hd, s.pos[r], cos, sin);
        store(s, r, cache);
      }
    });
    threads.split(rows, 1, (from, to, lane) -> {
      for (int r = from; r < to; r++) attend(s, r, cache, s.scores[lane]);
    });
    Gemm.matmul(s.attended, rows, o, s.out, threads); // (R, E)
    threads.split(rows, 1, (from, to, lane) -> {
      residual(s, lora, Projection.O, s.attended, n * hd, from, to, lane);
      for (int r = from; r < to; r++) RowOps.rmsNorm(s.x, r * e, mlpNorm, eps, s.h, r * e);
    });
    Gemm.matmul(s.h, rows, gateUp, s.gateUp, threads); // (R, 2·I)
    threads.split(rows, 1, (from, to, lane) -> {
      for (int r = from; r < to; r++) {
        if (lora != null) {
          float[] t = s.rank[lane];
          float[] w = s.wide[lane];
          lora.addDelta(s.loraSlot[r], layer, Projection.GATE, s.h, r * e, s.gateUp, r * 2 * inter, t, w);
          lora.addDelta(s.loraSlot[r], layer, Projection.UP, s.h, r * e, s.gateUp, r * 2 * inter + inter, t, w);
        }
        RowOps.siluMul(s.gateUp, r * 2 * inter, inter, s.act, r * inter); // (I)
      }
    });
    Gemm.matmul(s.act, rows, down, s.out, threads); // (R, E)
    threads.split(rows, 1, (from, to, lane) -> residual(s, lora, Projection.DOWN, s.act, inter, from, to, lane));
  }

  /** x += out + LoRA(in) for the O or down projection, rows {@code [from, to)}. */
  private void residual(StepRows s, VectorLoraSlots lora, Projection p, float[] in, int inWidth, int from, int to,
      int lane) {
    for (int r = from; r < to; r++) {
      if (lora != null) {
        lora.addDelta(s.loraSlot[r], layer, p, in, r * inWidth, s.out, r * e, s.rank[lane], s.wide[lane]);
      }
      RowOps.add(s.out, r * e, s.x, r * e, e);
    }
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
    int c = cache.capacity();
    float[] keys = cache.keys[layer];
    for (int head = 0; head < k; head++) {
      int at = cache.offset(s.kvSlot[r], head);
      int key = q0 + (n + head) * hd;
      for (int d = 0; d < hd; d++) keys[at + d * c + s.pos[r]] = s.qkv[key + d]; // column pos of (H, C)
      System.arraycopy(s.qkv, q0 + (n + k + head) * hd, cache.values[layer], at + s.pos[r] * hd, hd); // row pos of (C, H)
    }
  }

  /** Row r's query heads over positions 0..pos of its slot; query head i reads key/value head i / (N/K). */
  private void attend(StepRows s, int r, VectorKvCache cache, float[] sc) {
    int g = n / k;
    int len = s.pos[r] + 1;
    int c = cache.capacity();
    float scale = (float) (1 / Math.sqrt(hd));
    for (int head = 0; head < n; head++) {
      int q = r * qkvWidth + head * hd;
      int base = cache.offset(s.kvSlot[r], head / g);
      AttentionOps.scores(s.qkv, q, scale, cache.keys[layer], base, c, hd, len, sc); // (len)
      RowOps.softmax(sc, len);
      AttentionOps.weightedSum(sc, len, cache.values[layer], base, hd, s.attended, r * n * hd + head * hd); // (H)
    }
  }
}
