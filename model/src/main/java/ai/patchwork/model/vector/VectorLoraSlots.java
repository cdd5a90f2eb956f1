package ai.patchwork.model.vector;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterSlots;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.LoraWeights;
import ai.patchwork.model.nn.Projection;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Adapter slots for {@link VectorTransformer}: per slot and layer one array holding, projection after projection in
 * the order the forward uses them, A (r, in) packed for {@link Gemm} and s·B packed for the expand below, so a
 * sequence's deltas of a layer are read front to back as one stream the hardware prefetcher follows. A sequence's
 * delta is computed from its own slot (Punica's BGMV: no gathered copies, no zero-padded ranks or block-diagonal
 * fusing), so a decode step reads each adapter in the batch exactly once. Written only between steps, by the thread that runs them.
 *
 * <p>Expand layout: out is cut into SIMD chunks of L, and whole chunks into groups of 4. Chunk c holds, for each rank
 * k, the L values s·B[cL .. cL+L, k] (zero past out); within a group the four chunks' vectors of rank k lie side by
 * side, rank after rank. The expand then keeps four output chunks in registers, four independent chains of r
 * multiply-adds sharing one broadcast of each t[k] (one chunk at a time is a chain of r dependent multiply-adds,
 * bound by their latency), while it reads the group as one sequential stream. Chunks past the last group (and the
 * partial chunk) hold their ranks one after another.
 *
 * <p>A layer whose A and s·B values are all exactly bfloat16 (a BF16 adapter with a power-of-two scale) is held in
 * 16 bits, in the same layout ({@link WeightArray}): half the bytes; each module is widened into a scratch before use.
 */
public final class VectorLoraSlots implements AdapterSlots {

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();

  private final ModelConfig config;
  private final int slots;
  private final int maxRank;
  private final WeightArray[][] data; // [slot][layer] → packed A and s·B of each targeted projection, or null
  private int halfLayers; // layers held in bfloat16
  private final int[][][] rank; // [slot][layer][projection]: 0 where the adapter has no such module
  private final int[][][] aAt; // [slot][layer][projection]: where A starts in data
  private final int[][][] bAt; // [slot][layer][projection]: where s·B starts in data

  public VectorLoraSlots(ModelConfig config, int slots, int maxRank) {
    if (slots <= 0 || maxRank <= 0) throw new IllegalArgumentException("slots and maxRank must be positive");
    this.config = config;
    this.slots = slots;
    this.maxRank = maxRank;
    int p = Projection.values().length;
    this.data = new WeightArray[slots + 1][config.numLayers()];
    this.rank = new int[slots + 1][config.numLayers()][p];
    this.aAt = new int[slots + 1][config.numLayers()][p];
    this.bAt = new int[slots + 1][config.numLayers()][p];
  }

  @Override
  public int slots() {
    return slots;
  }

  @Override
  public int maxRank() {
    return maxRank;
  }

  @Override
  public long bytes() {
    long n = 0;
    for (int s = 1; s <= slots; s++) {
      for (WeightArray layer : data[s]) n += layer == null ? 0 : layer.bytes();
    }
    return n;
  }

  @Override
  public void set(int slot, AdapterWeights adapter) {
    checkSlot(slot);
    checkRank(adapter);
    clear(slot);
    for (int l = 0; l < config.numLayers(); l++) {
      int size = 0;
      for (Projection p : Projection.values()) {
        LoraWeights w = adapter.module(l, p);
        if (w != null) size += w.rank() * w.in() + chunks(w.out()) * w.rank() * L;
      }
      if (size == 0) continue;
      float[] layer = new float[size];
      int at = 0;
      for (Projection p : Projection.values()) {
        LoraWeights w = adapter.module(l, p);
        if (w == null) continue;
        int i = p.ordinal();
        rank[slot][l][i] = w.rank();
        aAt[slot][l][i] = at;
        Gemm.pack(w.a(), w.rank(), w.in(), layer, at);
        at += w.rank() * w.in();
        bAt[slot][l][i] = at;
        at += expandLayout(w.scaledB(), w.out(), w.rank(), layer, at);
      }
      data[slot][l] = WeightArray.of(layer);
      if (data[slot][l].half()) halfLayers++;
    }
  }

  @Override
  public void clear(int slot) {
    checkSlot(slot);
    for (int l = 0; l < config.numLayers(); l++) {
      if (data[slot][l] != null && data[slot][l].half()) halfLayers--;
      data[slot][l] = null;
      java.util.Arrays.fill(rank[slot][l], 0);
    }
  }

  /** Floats of the scratch {@link #addDelta} widens a bfloat16 module into; 0 while no slot holds one. */
  int widenScratch() {
    if (halfLayers == 0) return 0;
    int widest = 0;
    for (Projection p : Projection.values()) {
      widest = Math.max(widest, p.inFeatures(config) + chunks(p.outFeatures(config)) * L);
    }
    return maxRank * widest;
  }

  /**
   * y[yo ..] += s·B·A·x[xo ..] for the adapter in {@code slot}, if it has this module; slot 0 adds nothing.
   *
   * @param t scratch of at least {@link #maxRank()} floats
   * @param wide scratch of {@link #widenScratch()} floats, for a module held in bfloat16
   */
  void addDelta(int slot, int layer, Projection p, float[] x, int xo, float[] y, int yo, float[] t, float[] wide) {
    if (slot == 0) return;
    int i = p.ordinal();
    int r = rank[slot][layer][i];
    if (r == 0) return;
    int in = p.inFeatures(config);
    int out = p.outFeatures(config);
    WeightArray layerData = data[slot][layer];
    float[] d = layerData.f32();
    int a = aAt[slot][layer][i];
    int b = bAt[slot][layer][i];
    if (d == null) { // bfloat16: A and s·B lie back to back; widen both into the scratch
      layerData.copyTo(a, wide, 0, r * in + chunks(out) * r * L);
      d = wide;
      b -= a;
      a = 0;
    }
    Gemm.matvec(x, xo, d, a, r, in, t, 0); // A·x, (r)
    expand(t, r, d, b, out, y, yo); // += s·B·(A·x), (out)
  }

  /**
   * The deltas of two rows, {@link #addDelta} for each, with the same sums: where both rows have the module at the
   * same rank (a multiple of 4) in float32 and the widths suit the SIMD tiles, both adapters are read at once as two
   * streams ({@link Gemm#matvecPair}, {@link #expandPair}), which keeps twice the cache misses in flight; otherwise
   * one row after the other.
   *
   * @param t scratch of at least 2 × {@link #maxRank()} floats
   */
  void addDeltaPair(int slot0, int slot1, int layer, Projection p, float[] x, int xo0, int xo1, float[] y, int yo0,
      int yo1, float[] t, float[] wide) {
    if (!fuses(slot0, slot1, layer, p)) {
      addDelta(slot0, layer, p, x, xo0, y, yo0, t, wide);
      addDelta(slot1, layer, p, x, xo1, y, yo1, t, wide);
      return;
    }
    int i = p.ordinal();
    int r = rank[slot0][layer][i];
    float[] d0 = data[slot0][layer].f32();
    float[] d1 = data[slot1][layer].f32();
    int in = p.inFeatures(config);
    int out = p.outFeatures(config);
    Gemm.matvecPair(x, xo0, d0, aAt[slot0][layer][i], t, 0, xo1, d1, aAt[slot1][layer][i], t, maxRank, r, in); // A·x
    expandPair(t, 0, d0, bAt[slot0][layer][i], y, yo0, maxRank, d1, bAt[slot1][layer][i], yo1, r, out); // += s·B·(A·x)
  }

  /** Whether {@link #addDeltaPair} reads these two slots' module at once (else one after the other). */
  boolean fuses(int slot0, int slot1, int layer, Projection p) {
    int i = p.ordinal();
    int r = rank[slot0][layer][i];
    return slot0 != 0 && slot1 != 0 && r > 0 && r % 4 == 0 && rank[slot1][layer][i] == r
        && p.inFeatures(config) % L == 0 && p.outFeatures(config) % (4 * L) == 0
        && data[slot0][layer].f32() != null && data[slot1][layer].f32() != null;
  }

  /** {@link #expand} for two rows at once, out a multiple of 4 vectors (whole groups only). */
  private static void expandPair(float[] t, int t0, float[] b0, int bo0, float[] y, int yo0, int t1, float[] b1,
      int bo1, int yo1, int r, int out) {
    int stride = 4 * L;
    for (int c = 0; c < out / L; c += 4) {
      int o = yo0 + c * L;
      int q = yo1 + c * L;
      FloatVector y0 = FloatVector.fromArray(S, y, o);
      FloatVector y1 = FloatVector.fromArray(S, y, o + L);
      FloatVector y2 = FloatVector.fromArray(S, y, o + 2 * L);
      FloatVector y3 = FloatVector.fromArray(S, y, o + 3 * L);
      FloatVector z0 = FloatVector.fromArray(S, y, q);
      FloatVector z1 = FloatVector.fromArray(S, y, q + L);
      FloatVector z2 = FloatVector.fromArray(S, y, q + 2 * L);
      FloatVector z3 = FloatVector.fromArray(S, y, q + 3 * L);
      for (int k = 0, b = bo0 + c * r * L, e = bo1 + c * r * L; k < r; k++, b += stride, e += stride) {
        FloatVector tk = FloatVector.broadcast(S, t[t0 + k]);
        FloatVector uk = FloatVector.broadcast(S, t[t1 + k]);
        y0 = FloatVector.fromArray(S, b0, b).fma(tk, y0);
        z0 = FloatVector.fromArray(S, b1, e).fma(uk, z0);
        y1 = FloatVector.fromArray(S, b0, b + L).fma(tk, y1);
        z1 = FloatVector.fromArray(S, b1, e + L).fma(uk, z1);
        y2 = FloatVector.fromArray(S, b0, b + 2 * L).fma(tk, y2);
        z2 = FloatVector.fromArray(S, b1, e + 2 * L).fma(uk, z2);
        y3 = FloatVector.fromArray(S, b0, b + 3 * L).fma(tk, y3);
        z3 = FloatVector.fromArray(S, b1, e + 3 * L).fma(uk, z3);
      }
      y0.intoArray(y, o);
      y1.intoArray(y, o + L);
      y2.intoArray(y, o + 2 * L);
      y3.intoArray(y, o + 3 * L);
      z0.intoArray(y, q);
      z1.intoArray(y, q + L);
      z2.intoArray(y, q + 2 * L);
      z3.intoArray(y, q + 3 * L);
    }
  }

  /** y[yo .. yo + out) += B·t, B in expand layout with rank r at {@code bp[bo ..]}. */
  private static void expand(float[] t, int r, float[] bp, int bo, int out, float[] y, int yo) {
    int full = out / L;
    int grouped = full - full % 4;
    int stride = 4 * L;
    for (int c = 0; c < grouped; c += 4) {
      int o = yo + c * L;
      FloatVector y0 = FloatVector.fromArray(S, y, o);
      FloatVector y1 = FloatVector.fromArray(S, y, o + L);
      FloatVector y2 = FloatVector.fromArray(S, y, o + 2 * L);
      FloatVector y3 = FloatVector.fromArray(S, y, o + 3 * L);
      for (int k = 0, b = bo + c * r * L; k < r; k++, b += stride) {
        FloatVector tk = FloatVector.broadcast(S, t[k]);
        y0 = FloatVector.fromArray(S, bp, b).fma(tk, y0);
        y1 = FloatVector.fromArray(S, bp, b + L).fma(tk, y1);
        y2 = FloatVector.fromArray(S, bp, b + 2 * L).fma(tk, y2);
        y3 = FloatVector.fromArray(S, bp, b + 3 * L).fma(tk, y3);
      }
      y0.intoArray(y, o);
      y1.intoArray(y, o + L);
      y2.intoArray(y, o + 2 * L);
      y3.intoArray(y, o + 3 * L);
    }
    for (int c = grouped; c < full; c++) {
      FloatVector acc = FloatVector.fromArray(S, y, yo + c * L);
      int base = bo + c * r * L;
      for (int k = 0; k < r; k++) acc = FloatVector.fromArray(S, bp, base + k * L).fma(FloatVector.broadcast(S, t[k]), acc);
      acc.intoArray(y, yo + c * L);
    }
    for (int lane = 0; lane < out - full * L; lane++) {
      float s = 0;
      for (int k = 0; k < r; k++) s += t[k] * bp[bo + (full * r + k) * L + lane];
      y[yo + full * L + lane] += s;
    }
  }

  private static int chunks(int out) {
    return (out + L - 1) / L;
  }

  /** Writes s·B (out, r) row-major into the expand layout at {@code dst[off ..]}; returns the floats written. */
  private static int expandLayout(float[] sb, int out, int r, float[] dst, int off) {
    int full = out / L;
    int grouped = full - full % 4;
    for (int o = 0; o < out; o++) {
      int c = o / L;
      for (int k = 0; k < r; k++) {
        int at = c < grouped
            ? (c - c % 4) * r * L + (k * 4 + c % 4) * L // group of chunks c - c % 4 ..: rank k's four vectors together
            : (c * r + k) * L;
        dst[off + at + o % L] = sb[o * r + k];
      }
    }
    return chunks(out) * r * L;
  }

  /**
   * Reads every A and s·B that these slots hold, once per different slot (0, no adapter, holds nothing), and returns
   * the bytes read: what a decode step whose rows use these adapters must move at the least. Each layer's arrays are
   * read four at a time as four streams, in a plain SIMD sum with no arithmetic to wait on, so the time this takes is
   * the floor memory sets under the step's deltas (the model bench reports it beside the measured mixed-adapter cost).
   */
  public long stream(int[] slotIds) {
    int[] distinct = java.util.Arrays.stream(slotIds).filter(slot -> slot != 0).distinct().toArray();
    for (int slot : distinct) checkSlot(slot);
    long bytes = 0;
    float sum = 0;
    WeightArray[] four = new WeightArray[4];
    for (int l = 0; l < config.numLayers(); l++) {
      int n = 0;
      for (int slot : distinct) {
        if (data[slot][l] == null) continue;
        four[n++] = data[slot][l];
        bytes += data[slot][l].bytes();
        if (n == 4) {
          sum += PlainReads.four(four);
          n = 0;
        }
      }
      for (int i = 0; i < n; i++) sum += PlainReads.one(four[i]);
    }
    streamed = sum;
    return bytes;
  }

  private float streamed; // what stream() read, kept so that the reads are not optimized away

  /** Heap arrays only: nothing to free. */
  @Override
  public void close() {}
}
