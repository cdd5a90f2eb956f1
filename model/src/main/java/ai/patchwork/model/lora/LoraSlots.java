package ai.patchwork.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.nn.ProjectionGroup;
import java.util.List;

/**
 * The device tier of adapters: for every layer and projection group, preallocated stacked weights
 * A (S, in, R) and B (S, R, out) where S = slots + 1 and R = parts · maxRank (vLLM's {@code create_lora_weights}).
 *
 * <p>Slot 0 is all zeros and means "no adapter". Part j of a group owns rank columns [j·maxRank, j·maxRank + r) of A
 * and the matching rows of B; smaller ranks are zero-padded. B is stored already scaled by s. Writing a slot bumps
 * {@link #version()} so gathered copies know they are stale.
 */
public final class LoraSlots implements AdapterSlots {

    private final ModelConfig config;
    private final int slots;
    private final int maxRank;
    private final NDManager manager;
    private final NDArray[][] a; // [layer][group] (S, in, R)
    private final NDArray[][] b; // [layer][group] (S, R, out)
    private volatile long version;

    public LoraSlots(ModelConfig config, int slots, int maxRank, NDManager parent) {
        if (slots <= 0 || maxRank <= 0) throw new IllegalArgumentException("slots and maxRank must be positive");
        this.config = config;
        this.slots = slots;
        this.maxRank = maxRank;
        this.manager = parent.newSubManager();
        int groups = ProjectionGroup.values().length;
        this.a = new NDArray[config.numLayers()][groups];
        this.b = new NDArray[config.numLayers()][groups];
        for (int l = 0; l < config.numLayers(); l++) {
            for (ProjectionGroup g : ProjectionGroup.values()) {
                long r = (long) g.parts().size() * maxRank;
                a[l][g.ordinal()] = manager.zeros(new Shape(slots + 1, g.inFeatures(config), r)); // (S, in, R)
                b[l][g.ordinal()] = manager.zeros(new Shape(slots + 1, r, g.outFeatures(config))); // (S, R, out)
            }
        }
    }

    /** Usable slots, numbered 1..slots. */
    @Override
    public int slots() {
        return slots;
    }

    @Override
    public int maxRank() {
        return maxRank;
    }

    public long version() {
        return version;
    }

    /** Bytes of device memory held by the slot tensors. */
    @Override
    public long bytes() {
        long n = 0;
        for (NDArray[] layer : a) for (NDArray x : layer) n += x.size();
        for (NDArray[] layer : b) for (NDArray x : layer) n += x.size();
        return n * Float.BYTES;
    }

    /** Copies an adapter into slot {@code slot} (1..slots), replacing what was there. */
    @Override
    public synchronized void set(int slot, AdapterWeights adapter) {
        checkSlot(slot);
        checkRank(adapter);
        try (NDManager tmp = manager.newSubManager()) {
            for (int l = 0; l < config.numLayers(); l++) {
                for (ProjectionGroup g : ProjectionGroup.values()) {
                    write(slot, l, g, adapter, tmp);
                }
            }
        }
        version++;
    }

    /**
     * Copies slot {@code fromSlot} of {@code from} into slot {@code toSlot} of these slots, on the device. Both must
     * have the same model and maximum rank; {@code from} may be this object.
     */
    public synchronized void copy(int toSlot, LoraSlots from, int fromSlot) {
        checkSlot(toSlot);
        if (fromSlot < 0 || fromSlot > from.slots)
            throw new IllegalArgumentException("slot " + fromSlot + " is not in 0.." + from.slots);
        if (from.maxRank != maxRank || from.a.length != a.length) {
            throw new IllegalArgumentException("slots differ in model or maximum rank");
        }
        try (NDManager tmp = manager.newSubManager()) {
            for (int l = 0; l < a.length; l++) {
                for (int g = 0; g < a[l].length; g++) {
                    NDArray srcA = from.a[l][g].get(fromSlot);
                    NDArray srcB = from.b[l][g].get(fromSlot);
                    srcA.attach(tmp);
                    srcB.attach(tmp);
                    a[l][g].set(new NDIndex("{}", toSlot), srcA);
                    b[l][g].set(new NDIndex("{}", toSlot), srcB);
                }
            }
        }
        version++;
    }

    /** Zeroes a slot. */
    @Override
    public synchronized void clear(int slot) {
        checkSlot(slot);
        try (NDManager tmp = manager.newSubManager()) {
            for (int l = 0; l < config.numLayers(); l++) {
                for (ProjectionGroup g : ProjectionGroup.values()) write(slot, l, g, null, tmp);
            }
        }
        version++;
    }

    /**
     * Writes group {@code g} of layer {@code l} of an adapter (zeros for null) into a slot: Aᵀ of every part side by
     * side, (in, R), and s·Bᵀ of every part block-diagonal, (R, out).
     */
    private void write(int slot, int l, ProjectionGroup g, AdapterWeights adapter, NDManager tmp) {
        int in = g.inFeatures(config);
        int outWidth = g.outFeatures(config);
        int r = g.parts().size() * maxRank;
        float[] packedA = new float[in * r];
        float[] packedB = new float[r * outWidth];
        List<Projection> parts = g.parts();
        for (int j = 0; adapter != null && j < parts.size(); j++) {
            LoraWeights w = adapter.module(l, parts.get(j));
            if (w == null) continue;
            float[] sb = w.scaledB();
            int off = g.outOffset(parts.get(j), config);
            for (int k = 0; k < w.rank(); k++) {
                int c = j * maxRank + k; // part j's rank k: a column of Aᵀ, a row of s·Bᵀ
                for (int i = 0; i < in; i++) packedA[i * r + c] = w.a()[k * in + i];
                for (int o = 0; o < w.out(); o++) packedB[c * outWidth + off + o] = sb[o * w.rank() + k];
            }
        }
        NDArray slotsA = a[l][g.ordinal()];
        NDArray slotsB = b[l][g.ordinal()];
        slotsA.set(new NDIndex("{}", slot), tmp.create(packedA, new Shape(in, r)));
        slotsB.set(new NDIndex("{}", slot), tmp.create(packedB, new Shape(r, outWidth)));
    }

    NDArray a(int layer, ProjectionGroup g) {
        return a[layer][g.ordinal()];
    }

    NDArray b(int layer, ProjectionGroup g) {
        return b[layer][g.ordinal()];
    }

    int layers() {
        return config.numLayers();
    }

    @Override
    public void close() {
        manager.close();
    }
}
