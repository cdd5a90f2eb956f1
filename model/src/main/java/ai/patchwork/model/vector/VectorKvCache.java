package ai.patchwork.model.vector;

import ai.patchwork.model.config.ModelConfig;

/**
 * Keys and values of past positions for {@link VectorTransformer}: per layer, keys (S, K, C/B, H, B) and values
 * (S, K, C, H), row-major float arrays for S sequence slots, K key/value heads, C positions (rounded up to a multiple
 * of B) and H head size. Keys are stored transposed in blocks of B positions, one SIMD vector
 * ({@link AttentionOps#keyAt}), so a query's scores over its positions are SIMD multiply-adds over contiguous blocks,
 * and values by position so the weighted sum adds whole rows.
 * A sequence owns a slot for its lifetime and overwrites positions as it goes; nothing needs clearing.
 */
public final class VectorKvCache {

    final float[][] keys; // [layer] (S, K, C/B, H, B)
    final float[][] values; // [layer] (S, K, C, H)
    private final int slots;
    private final int capacity;
    private final int span; // capacity rounded up to whole key blocks
    private final int kvHeads;
    private final int headDim;

    public VectorKvCache(ModelConfig config, int slots, int capacity) {
        if (slots <= 0 || capacity <= 0) throw new IllegalArgumentException("slots and capacity must be positive");
        int span = (int) Math.min(
                Integer.MAX_VALUE,
                ((long) capacity + AttentionOps.BLOCK - 1) / AttentionOps.BLOCK * AttentionOps.BLOCK);
        long size = (long) slots * config.numKvHeads() * span * config.headDim();
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a KV cache layer of " + size + " floats exceeds one Java array");
        }
        this.slots = slots;
        this.capacity = capacity;
        this.span = span;
        this.kvHeads = config.numKvHeads();
        this.headDim = config.headDim();
        this.keys = new float[config.numLayers()][(int) size];
        this.values = new float[config.numLayers()][(int) size];
    }

    public int slots() {
        return slots;
    }

    public int capacity() {
        return capacity;
    }

    /** Bytes of heap held by the cache. */
    public long bytes() {
        return 2L * keys.length * keys[0].length * Float.BYTES;
    }

    /**
     * Copies the first {@code positions} positions of slot {@code from} into slot {@code to} (whole key blocks), in
     * every layer and head; the rest of {@code to} is left as it is.
     */
    public void copy(int from, int to, int positions) {
        if (from < 0 || from >= slots || to < 0 || to >= slots || positions < 0 || positions > capacity) {
            throw new IllegalArgumentException(
                    "cannot copy " + positions + " positions from slot " + from + " to " + to);
        }
        copy(from, 0, this, to, 0, positions);
    }

    /**
     * Copies positions {@code fromStart .. fromStart + positions - 1} of slot {@code from} into slot {@code to} of
     * {@code target} (a cache or block pool of the same model) from position {@code toStart} on, in every layer and
     * head; both starts begin a key block, and the last key block is copied whole.
     */
    void copy(int from, int fromStart, VectorKvCache target, int to, int toStart, int positions) {
        int blocks = (positions + AttentionOps.BLOCK - 1) / AttentionOps.BLOCK;
        int keyFloats = blocks * AttentionOps.BLOCK * headDim;
        int valueFloats = positions * headDim;
        for (int layer = 0; layer < keys.length; layer++) {
            for (int head = 0; head < kvHeads; head++) {
                int src = offset(from, head) + fromStart * headDim; // (C/B, H, B) keys: block p / B at p·H
                int dst = target.offset(to, head) + toStart * headDim;
                System.arraycopy(keys[layer], src, target.keys[layer], dst, keyFloats);
                System.arraycopy(values[layer], src, target.values[layer], dst, valueFloats);
            }
        }
    }

    /** Where head {@code head} of slot {@code slot} starts in a layer's array: (C/B, H, B) keys, (C, H) values. */
    int offset(int slot, int head) {
        return (slot * kvHeads + head) * span * headDim;
    }
}
