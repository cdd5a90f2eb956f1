package ai.patchwork.model.vector;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterSlots;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.LoraWeights;
import ai.patchwork.model.nn.Projection;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Adapter slots for {@link VectorTransformer}: per slot, layer and projection, A (r, in) packed for {@link Gemm} and
 * s·B packed for the expand below, each read as one sequential stream. A sequence's delta is computed from its own
 * slot (Punica's BGMV: no gathered copies, no zero-padded ranks or block-diagonal fusing), so a decode step reads
 * each adapter in the batch exactly once. Written only between steps, by the thread that runs them.
 *
 * <p>Expand layout: out is cut into SIMD chunks of L; chunk c holds, for each rank k, the L values s·B[cL .. cL+L, k]
 * (zero past out). One pass over y then loads each output chunk once, adds r multiply-adds and stores it.
 */
public final class VectorLoraSlots implements AdapterSlots {

  private final ModelConfig config;
  private final int slots;
  private final int maxRank;
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();

  private final Gemm.Packed[][][] a; // [slot][layer][projection] → A (r, in), or null
  private final float[][][][] b; // [slot][layer][projection] → s·B in expand layout, or null

  public VectorLoraSlots(ModelConfig config, int slots, int maxRank) {
    if (slots <= 0 || maxRank <= 0) throw new IllegalArgumentException("slots and maxRank must be positive");
    this.config = config;
    this.slots = slots;
    this.maxRank = maxRank;
    int p = Projection.values().length;
    this.a = new Gemm.Packed[slots + 1][config.numLayers()][p];
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
          if (a[s][l][p] != null) n += a[s][l][p].data().length + b[s][l][p].length;
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
      a[slot][w.layer()][w.projection().ordinal()] = Gemm.Packed.of(w.a(), w.rank(), w.in());
      b[slot][w.layer()][w.projection().ordinal()] = expandLayout(w.scaledB(), w.out(), w.rank());
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
    Gemm.Packed wa = a[slot][layer][p.ordinal()];
    if (wa == null) return;
    Gemm.matvec(x, xo, wa, t, 0); // A·x, (r)
    expand(t, wa.n(), b[slot][layer][p.ordinal()], p.outFeatures(config), y, yo); // += s·B·(A·x), (out)
  }

  /** y[yo .. yo + out) += B·t, B in expand layout with rank r. */
  private static void expand(float[] t, int r, float[] bp, int out, float[] y, int yo) {
    int full = out / L;
    for (int c = 0; c < full; c++) {
      FloatVector acc = FloatVector.fromArray(S, y, yo + c * L);
      int base = c * r * L;
      for (int k = 0; k < r; k++) acc = FloatVector.fromArray(S, bp, base + k * L).fma(FloatVector.broadcast(S, t[k]), acc);
      acc.intoArray(y, yo + c * L);
    }
    for (int lane = 0; lane < out - full * L; lane++) {
      float s = 0;
      for (int k = 0; k < r; k++) s += t[k] * bp[(full * r + k) * L + lane];
      y[yo + full * L + lane] += s;
    }
  }

  /** s·B (out, r) row-major into the expand layout. */
  private static float[] expandLayout(float[] sb, int out, int r) {
    int chunks = (out + L - 1) / L;
    float[] bp = new float[chunks * r * L];
    for (int o = 0; o < out; o++) {
      for (int k = 0; k < r; k++) bp[((o / L) * r + k) * L + o % L] = sb[o * r + k];
    }
    return bp;
  }

  private void checkSlot(int slot) {
    if (slot < 1 || slot > slots) throw new IllegalArgumentException("slot " + slot + " is not in 1.." + slots);
  }

  /** Heap arrays only: nothing to free. */
  @Override
  public void close() {}
}
