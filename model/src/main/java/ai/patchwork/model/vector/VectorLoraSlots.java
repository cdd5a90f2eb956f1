package ai.patchwork.model.vector;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterSlots;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.LoraModules;
import ai.patchwork.model.lora.ResidentAdapter;
import ai.patchwork.model.nn.Projection;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Adapter slots for {@link VectorTransformer}: per slot and layer one array holding, projection after projection in
 * the order the forward uses them, A (r, in) packed for {@link Gemm} and s·B in the layout of {@link Expand}, so a
 * sequence's deltas of a layer are read front to back as one stream the hardware prefetcher follows. A sequence's
 * delta is computed from its own slot (Punica's BGMV: no gathered copies, no zero-padded ranks or block-diagonal
 * fusing), so a decode step reads each adapter in the batch exactly once. Written only between steps, by the thread
 * that runs them.
 *
 * <p>How the values are held is the slots' {@link AdapterStorage}: exactly (float32, or bfloat16 for a layer whose A
 * and s·B values are all exactly bfloat16, as a BF16 adapter with a power-of-two scale gives: half the bytes), or as
 * 16-bit integers with a scale per rank (each row of A, each column of s·B), read by kernels that widen them in
 * registers ({@link Gemm16}, {@link Expand#expand16}); the two scales of rank k multiply t[k] = (A·x)[k] once,
 * between shrink and expand. A module whose widths do not suit those kernels, and a bfloat16 one, is widened into a
 * scratch before use.
 *
 * <p>An adapter comes in through {@link #set} (packed here, the slot's own copy) or as the {@link PackedAdapter} that
 * {@link #resident} made for the host tier ({@link #place}: the slot reads its arrays, so the adapter is held once).
 */
public final class VectorLoraSlots implements AdapterSlots {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private final ModelConfig config;
    private final AdapterStorage storage;
    private final int slots;
    private final int maxRank;
    private final WeightArray[][] data; // [slot][layer] → packed A and s·B of each targeted projection, or null
    private int narrowLayers; // layers held in fewer than 32 bits
    private final int[][][] rank; // [slot][layer][projection]: 0 where the adapter has no such module
    private final int[][][] aAt; // [slot][layer][projection]: where A starts in data
    private final int[][][] bAt; // [slot][layer][projection]: where s·B starts in data
    private final float[][][] scale; // [slot][layer][projection · maxRank + k]: rank k's scale of A times that of s·B
    private final boolean[] shared; // [slot]: its arrays are a host-tier adapter's (place), not its own (set)

    public VectorLoraSlots(ModelConfig config, int slots, int maxRank, AdapterStorage storage) {
        if (slots <= 0 || maxRank <= 0) throw new IllegalArgumentException("slots and maxRank must be positive");
        this.config = config;
        this.storage = java.util.Objects.requireNonNull(storage, "storage");
        this.slots = slots;
        this.maxRank = maxRank;
        int p = Projection.values().length;
        this.data = new WeightArray[slots + 1][config.numLayers()];
        this.rank = new int[slots + 1][config.numLayers()][p];
        this.aAt = new int[slots + 1][config.numLayers()][p];
        this.bAt = new int[slots + 1][config.numLayers()][p];
        this.scale = new float[slots + 1][config.numLayers()][];
        this.shared = new boolean[slots + 1];
    }

    @Override
    public int slots() {
        return slots;
    }

    @Override
    public int maxRank() {
        return maxRank;
    }

    /** The bytes of the slots' own arrays: a slot {@link #place}d from a packed host copy shares it, counted there. */
    @Override
    public long bytes() {
        long n = 0;
        for (int s = 1; s <= slots; s++) n += shared[s] ? 0 : slotBytes(s);
        return n;
    }

    /** The bytes of the A and s·B arrays one slot holds. */
    private long slotBytes(int slot) {
        long n = 0;
        for (WeightArray layer : data[slot]) n += layer == null ? 0 : layer.bytes();
        return n;
    }

    @Override
    public void set(int slot, AdapterWeights adapter) {
        checkSlot(slot);
        checkRank(adapter);
        install(slot, PackedAdapter.pack(adapter, config, maxRank, storage), false);
    }

    /** The adapter packed as these slots hold it: the host tier keeps it, {@link #place} takes it without a copy. */
    @Override
    public ResidentAdapter resident(LoraModules adapter, ModelConfig base) {
        if (base.numLayers() != config.numLayers()) throw new IllegalArgumentException("another model's adapter");
        return PackedAdapter.pack(adapter, config, maxRank, storage);
    }

    @Override
    public int bytesPerWeight() {
        return storage == AdapterStorage.INT16 ? Short.BYTES : Float.BYTES;
    }

    /** Shares the arrays of an adapter {@link #resident} packed: the slot reads them, they are not counted here. */
    @Override
    public void place(int slot, ResidentAdapter adapter) {
        if (adapter instanceof AdapterWeights w) {
            set(slot, w);
            return;
        }
        checkSlot(slot);
        checkRank(adapter);
        if (!(adapter instanceof PackedAdapter p)
                || p.storage() != storage
                || p.maxRank() != maxRank
                || p.layers().length != config.numLayers()) {
            throw new IllegalArgumentException("adapter " + adapter.id() + " was not packed for these slots");
        }
        install(slot, p, true);
    }

    private void install(int slot, PackedAdapter p, boolean share) {
        clear(slot);
        shared[slot] = share;
        for (int l = 0; l < config.numLayers(); l++) {
            if (p.layers()[l] == null) continue;
            data[slot][l] = p.layers()[l];
            scale[slot][l] = p.scales()[l];
            System.arraycopy(p.ranks()[l], 0, rank[slot][l], 0, rank[slot][l].length);
            System.arraycopy(p.aAt()[l], 0, aAt[slot][l], 0, aAt[slot][l].length);
            System.arraycopy(p.bAt()[l], 0, bAt[slot][l], 0, bAt[slot][l].length);
            if (data[slot][l].f32() == null) narrowLayers++;
        }
    }

    @Override
    public void clear(int slot) {
        checkSlot(slot);
        for (int l = 0; l < config.numLayers(); l++) {
            if (data[slot][l] != null && data[slot][l].f32() == null) narrowLayers--;
            data[slot][l] = null;
            scale[slot][l] = null;
            java.util.Arrays.fill(rank[slot][l], 0);
        }
        shared[slot] = false;
    }

    /** Floats of the scratch {@link #addDelta} widens a module held in fewer bits into; 0 while all are float32. */
    int widenScratch() {
        if (narrowLayers == 0) return 0;
        int widest = 0;
        for (Projection p : Projection.values()) {
            widest = Math.max(widest, p.inFeatures(config) + Expand.chunks(p.outFeatures(config)) * L);
        }
        return maxRank * widest;
    }

    /**
     * y[yo ..] += s·B·A·x[xo ..] for the adapter in {@code slot}, if it has this module; slot 0 adds nothing.
     *
     * @param t scratch of at least {@link #maxRank()} floats
     * @param wide scratch of {@link #widenScratch()} floats, for a module held in fewer bits
     */
    void addDelta(int slot, int layer, Projection p, float[] x, int xo, float[] y, int yo, float[] t, float[] wide) {
        if (slot == 0) return;
        int i = p.ordinal();
        int r = rank[slot][layer][i];
        if (r == 0) return;
        int in = p.inFeatures(config);
        int out = p.outFeatures(config);
        WeightArray layerData = data[slot][layer];
        int a = aAt[slot][layer][i];
        int b = bAt[slot][layer][i];
        short[] q = layerData.i16();
        if (q != null && tiles(p)) {
            Gemm16.matvec(x, xo, q, a, r, in, t, 0); // A·x, (r) before the scales
            scale(slot, layer, i, r, t, 0);
            Expand.expand16(t, r, q, b, out, y, yo); // += s·B·(A·x), (out)
            return;
        }
        float[] d = layerData.f32();
        if (d == null) { // A and s·B lie back to back; widen both into the scratch
            layerData.copyTo(a, wide, 0, r * in + Expand.chunks(out) * r * L);
            d = wide;
            b -= a;
            a = 0;
        }
        Gemm.matvec(x, xo, d, a, r, in, t, 0); // A·x, (r)
        if (q != null) scale(slot, layer, i, r, t, 0);
        Expand.expand(t, r, d, b, out, y, yo); // += s·B·(A·x), (out)
    }

    /** t[to .. to + r) *= the ranks' scales of a module held in 16-bit integers. */
    private void scale(int slot, int layer, int projection, int r, float[] t, int to) {
        float[] s = scale[slot][layer];
        for (int k = 0; k < r; k++) t[to + k] *= s[projection * maxRank + k];
    }

    /** Whether this projection's widths suit the SIMD tiles of the two-row and 16-bit kernels. */
    private boolean tiles(Projection p) {
        return p.inFeatures(config) % L == 0 && Expand.whole(p.outFeatures(config));
    }

    /**
     * The deltas of two rows, {@link #addDelta} for each, with the same sums: where both rows have the module at the
     * same rank (a multiple of 4), both in float32 or both in 16 bits, and the widths suit the SIMD tiles, both adapters
     * are read at once as two streams ({@link Gemm#matvecPair} and {@link Expand#expandPair}),
     * which keeps twice the cache misses in flight; otherwise one row after the other.
     *
     * @param t scratch of at least 2 × {@link #maxRank()} floats
     */
    void addDeltaPair(
            int slot0,
            int slot1,
            int layer,
            Projection p,
            float[] x,
            int xo0,
            int xo1,
            float[] y,
            int yo0,
            int yo1,
            float[] t,
            float[] wide) {
        if (!fuses(slot0, slot1, layer, p)) {
            addDelta(slot0, layer, p, x, xo0, y, yo0, t, wide);
            addDelta(slot1, layer, p, x, xo1, y, yo1, t, wide);
            return;
        }
        int i = p.ordinal();
        int r = rank[slot0][layer][i];
        int in = p.inFeatures(config);
        int out = p.outFeatures(config);
        int a0 = aAt[slot0][layer][i], a1 = aAt[slot1][layer][i];
        int b0 = bAt[slot0][layer][i], b1 = bAt[slot1][layer][i];
        WeightArray d0 = data[slot0][layer], d1 = data[slot1][layer];
        Gemm.matvecPair(x, xo0, d0, a0, t, 0, xo1, d1, a1, t, maxRank, r, in); // A·x, (r) each
        if (d0.i16() != null) {
            scale(slot0, layer, i, r, t, 0);
            scale(slot1, layer, i, r, t, maxRank);
        }
        Expand.expandPair(t, 0, d0, b0, y, yo0, maxRank, d1, b1, yo1, r, out); // += s·B·(A·x), (out) each
    }

    /** Whether {@link #addDeltaPair} reads these two slots' module at once (else one after the other). */
    boolean fuses(int slot0, int slot1, int layer, Projection p) {
        int i = p.ordinal();
        int r = rank[slot0][layer][i];
        if (slot0 == 0 || slot1 == 0 || r == 0 || r % 4 != 0 || rank[slot1][layer][i] != r || !tiles(p)) return false;
        WeightArray d0 = data[slot0][layer];
        WeightArray d1 = data[slot1][layer];
        return d0.f32() != null && d1.f32() != null || d0.i16() != null && d1.i16() != null;
    }

    /** Heap arrays only: nothing to free. */
    @Override
    public void close() {}
}
