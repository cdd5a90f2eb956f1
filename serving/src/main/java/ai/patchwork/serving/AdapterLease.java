package ai.patchwork.serving;

/**
 * A running sequence's hold on a device-resident adapter: while held, the adapter's slot is neither evicted nor
 * overwritten, even if the adapter is invalidated. Released exactly once, by the engine loop.
 */
final class AdapterLease {

    private final AdapterEntry entry;
    private final int slot;
    private boolean released;

    AdapterLease(AdapterEntry entry, int slot) {
        this.entry = entry;
        this.slot = slot;
    }

    AdapterEntry entry() {
        return entry;
    }

    /** The LoRA slot this sequence reads: fixed for the sequence's lifetime. */
    int slot() {
        return slot;
    }

    /** Marks the lease released; false when it already was. */
    boolean markReleased() {
        if (released) return false;
        released = true;
        return true;
    }
}
