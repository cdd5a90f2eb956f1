package ai.patchwork.model.kv;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.patchwork.model.config.ModelConfig;

/**
 * Keys and values of past positions, for a fixed number of sequence slots of a fixed capacity.
 *
 * <p>Per layer, values are (S, K, C, H) and keys are stored transposed, (S, K, H, C): S slots, K key/value heads, C
 * positions, H head size, so attention reads kᵀ without a transpose. A sequence owns a slot for its lifetime; a step
 * writes its new positions with one index-put per tensor and attends over the first L positions. The cache owns its
 * native memory: close it to free it.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final int slots;
    private final int capacity;

    public KvCache(ModelConfig config, int slots, int capacity, NDManager parent) {
        if (slots <= 0 || capacity <= 0) throw new IllegalArgumentException("slots and capacity must be positive");
        this.manager = parent.newSubManager();
        this.slots = slots;
        this.capacity = capacity;
        this.keys = new NDArray[config.numLayers()];
        this.values = new NDArray[config.numLayers()];
        for (int l = 0; l < config.numLayers(); l++) {
            keys[l] = manager.zeros(new Shape(slots, config.numKvHeads(), config.headDim(), capacity)); // (S, K, H, C)
            values[l] =
                    manager.zeros(new Shape(slots, config.numKvHeads(), capacity, config.headDim())); // (S, K, C, H)
        }
    }

    public int slots() {
        return slots;
    }

    public int capacity() {
        return capacity;
    }

    /** Bytes of native memory held by the cache. */
    public long bytes() {
        return 2L * keys.length * keys[0].size() * Float.BYTES;
    }

    /**
     * Binds the cache to one forward step: sequence b of the batch lives in slot {@code slots[b]} and writes positions
     * {@code starts[b] .. starts[b] + newTokens - 1}.
     */
    public KvBinding bind(int[] slots, int[] starts, int newTokens, NDManager step) {
        return new KvBinding(this, slots, starts, newTokens, step);
    }

    /**
     * Copies the first {@code positions} positions of slot {@code from} into slot {@code to}, in every layer; the rest of
     * {@code to} is left as it is.
     */
    public void copy(int from, int to, int positions) {
        if (from < 0 || from >= slots || to < 0 || to >= slots || positions <= 0 || positions > capacity) {
            throw new IllegalArgumentException(
                    "cannot copy " + positions + " positions from slot " + from + " to " + to);
        }
        copy(from, 0, this, to, 0, positions);
    }

    /**
     * Copies positions {@code fromStart .. fromStart + positions - 1} of slot {@code from} into slot {@code to} of
     * {@code target} (a cache or block pool of the same model) from position {@code toStart} on, in every layer.
     */
    void copy(int from, int fromStart, KvCache target, int to, int toStart, int positions) {
        NDIndex keysFrom = new NDIndex("{}, :, :, {}:{}", from, fromStart, fromStart + positions);
        NDIndex keysTo = new NDIndex("{}, :, :, {}:{}", to, toStart, toStart + positions);
        NDIndex valuesFrom = new NDIndex("{}, :, {}:{}, :", from, fromStart, fromStart + positions);
        NDIndex valuesTo = new NDIndex("{}, :, {}:{}, :", to, toStart, toStart + positions);
        for (int l = 0; l < keys.length; l++) {
            try (NDArray k = keys[l].get(keysFrom);
                    NDArray v = values[l].get(valuesFrom)) {
                target.keys[l].set(keysTo, k);
                target.values[l].set(valuesTo, v);
            }
        }
    }

    void write(int layer, NDIndex keysAt, NDIndex valuesAt, NDArray k, NDArray v) {
        keys[layer].set(keysAt, k);
        values[layer].set(valuesAt, v);
    }

    NDArray keys(int layer) {
        return keys[layer];
    }

    NDArray values(int layer) {
        return values[layer];
    }

    @Override
    public void close() {
        manager.close();
    }
}
