package ai.patchwork.serving;

/**
 * What one adapter load may take, for an {@link AdapterSource} that can tell an adapter's rank and size from its
 * metadata before it reads the weights: the engine's largest rank, and host memory reserved against the adapter
 * cache's budget while the load is in flight (so that several loads at once cannot overshoot it).
 */
public interface LoadBudget {

    /** The largest LoRA rank the engine serves. */
    int maxRank();

    /** Host bytes a weight takes in the form the cache keeps adapters in (16-bit slots: 2; float32: 4). */
    default int bytesPerWeight() {
        return Float.BYTES;
    }

    /**
     * Reserves the host bytes the adapter's weights will take once loaded, evicting idle adapters to make room, and
     * waiting while other loads in flight hold the room it needs. Call it once, before reading the weights.
     *
     * @throws AdapterLoadException when the adapter alone is larger than the whole budget
     * @throws InterruptedException when the loader thread is interrupted while it waits
     */
    void reserve(long bytes) throws InterruptedException;
}
