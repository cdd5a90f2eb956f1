package ai.patchwork.model.vector;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterSlots;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.LoraWeights;
import ai.patchwork.model.nn.Projection;

/**
 * Adapter slots for {@link VectorTransformer}: per slot, layer and projection, A (r, in) as PEFT stores it and s·Bᵀ
 * (r, out), so both halves of a delta are read row by row. A sequence's delta is computed from its own slot (Punica's
 * BGMV: no gathered copies, no zero-padded ranks or block-diagonal fusing), so a decode step reads each adapter in the
 * batch exactly once. Written only between steps, by the thread that runs them.
 */
public final class VectorLoraSlots implements AdapterSlots {

  private final ModelConfig config;
  private final int slots;
  private final int maxRank;
  private final float[][][][] a; // [slot][layer][projection] → (r, in), or null
  private final float[][][][] b; // [slot][layer][projection] → s·Bᵀ (r, out), or null

  public VectorLoraSlots(ModelConfig config, int slots, int maxRank) {
    if (slots <= 0 || maxRank <= 0) throw new IllegalArgumentException("slots and maxRank must be positive");
    this.config = config;
    this.slots = slots;
    this.maxRank = maxRank;
    int p = Projection.values().length;
    this.a = new float[slots + 1][config.numLayers()][p][];
    this.b = new float[slots + 1][config.numLayers()][p][];
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
      for (int l = 0; l < config.numLayers(); l++) {
        for (int p = 0; p < Projection.values().length; p++) {
          if (a[s][l][p] != null) n += a[s][l][p].length + b[s][l][p].length;
        }
      }
    }
    return n * Float.BYTES;
  }

  @Override
  public void set(int slot, AdapterWeights adapter) {
    checkSlot(slot);
    if (adapter.rank() > maxRank) {
      throw new IllegalArgumentException("adapter " + adapter.id() + " has rank " + adapter.rank()
          + ", more than the maximum LoRA rank " + maxRank + " of these slots");
    }
    clear(slot);
    for (LoraWeights w : adapter.modules()) {
      float[] sb = w.scaledB(); // (out, r)
      float[] bt = new float[w.rank() * w.out()]; // (r, out)
      for (int o = 0; o < w.out(); o++) {
        for (int k = 0; k < w.rank(); k++) bt[k * w.out() + o] = sb[o * w.rank() + k];
      }
      a[slot][w.layer()][w.projection().ordinal()] = w.a().clone();
      b[slot][w.layer()][w.projection().ordinal()] = bt;
    }
  }

  @Override
  public void clear(int slot) {
    checkSlot(slot);
    for (int l = 0; l < config.numLayers(); l++) {
      java.util.Arrays.fill(a[slot][l], null);
      java.util.Arrays.fill(b[slot][l], null);
    }
  }

  /**
   * y[yo ..] += s·B·A·x[xo ..] for the adapter in {@code slot}, if it has this module; slot 0 adds nothing.
   *
   * @param t scratch of at least {@link #maxRank()} floats
   */
  void addDelta(int slot, int layer, Projection p, float[] x, int xo, float[] y, int yo, float[] t) {
    if (slot == 0) return;
    float[] wa = a[slot][layer][p.ordinal()];
    if (wa == null) return;
    float[] wb = b[slot][layer][p.ordinal()];
    int in = p.inFeatures(config);
    int out = p.outFeatures(config);
    int r = wa.length / in;
    for (int k = 0; k < r; k++) t[k] = RowOps.dot(wa, k * in, x, xo, in); // A·x, (r)
    for (int k = 0; k < r; k++) RowOps.axpy(t[k], wb, k * out, y, yo, out); // += s·B·(A·x), (out)
  }

  private void checkSlot(int slot) {
    if (slot < 1 || slot > slots) throw new IllegalArgumentException("slot " + slot + " is not in 1.." + slots);
  }

  /** Heap arrays only: nothing to free. */
  @Override
  public void close() {}
}
