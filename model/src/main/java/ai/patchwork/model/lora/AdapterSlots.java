package ai.patchwork.model.lora;

import ai.patchwork.model.config.ModelConfig;

/**
 * The device tier of adapters as the adapter cache sees it: numbered slots 1..{@link #slots()} that each hold one
 * adapter's weights (slot 0 means "no adapter"). {@link LoraSlots} keeps them as stacked tensors for the DJL forward,
 * {@code VectorLoraSlots} as float arrays for the CPU runtime.
 */
public interface AdapterSlots extends AutoCloseable {

    /** Usable slots, numbered 1..slots. */
    int slots();

    /** Largest rank a slot takes. */
    int maxRank();

    /** Bytes of memory held by the slots. */
    long bytes();

    /**
     * Copies an adapter into a slot, replacing what was there.
     *
     * @throws IllegalArgumentException when the slot is out of range or the adapter's rank exceeds {@link #maxRank()}
     */
    void set(int slot, AdapterWeights adapter);

    /**
     * The adapter in the form the host tier should keep for these slots: slots that convert weights as they take them
     * (16-bit integers, a packed layout) return the converted form, which {@link #place} then takes without a copy,
     * so an adapter in a slot costs its bytes once. By default the adapter in float32, which {@link #set} copies.
     * Called on loader threads, concurrently with the engine's use of the slots.
     */
    default ResidentAdapter resident(LoraModules adapter, ModelConfig base) {
        return AdapterWeights.copyOf(adapter, base);
    }

    /** Bytes a weight takes in the form {@link #resident} returns (before small per-rank extras). */
    default int bytesPerWeight() {
        return Float.BYTES;
    }

    /**
     * Puts an adapter that {@link #resident} returned into a slot, replacing what was there.
     *
     * @throws IllegalArgumentException when the slot is out of range or the adapter is not in a form these slots take
     */
    default void place(int slot, ResidentAdapter adapter) {
        if (!(adapter instanceof AdapterWeights w)) {
            throw new IllegalArgumentException("adapter " + adapter.id() + " is not in a form these slots take");
        }
        set(slot, w);
    }

    /** Empties a slot. */
    void clear(int slot);

    /** The check {@link #set} and {@link #clear} start with: the slot is one of 1..{@link #slots()}. */
    default void checkSlot(int slot) {
        if (slot < 1 || slot > slots()) throw new IllegalArgumentException("slot " + slot + " is not in 1.." + slots());
    }

    /** The check {@link #set} makes of the adapter: its rank is at most {@link #maxRank()}. */
    default void checkRank(ResidentAdapter adapter) {
        if (adapter.rank() > maxRank()) {
            throw new IllegalArgumentException("adapter " + adapter.id() + " has rank " + adapter.rank()
                    + ", more than the maximum LoRA rank " + maxRank() + " of these slots");
        }
    }

    @Override
    void close();
}
