package ai.patchwork.model.vector;

import ai.patchwork.model.config.ModelConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Keys and values of past positions for {@link VectorTransformer}: per layer, keys (S, K, C/B, H, B) and values
 * (S, K, C, H), row-major floats for S sequence slots, K key/value heads, C positions (rounded up to a multiple of B)
 * and H head size. Keys are stored transposed in blocks of B positions, one SIMD vector ({@link AttentionOps#keyAt}),
 * so a query's scores over its positions are SIMD multiply-adds over contiguous blocks, and values by position so the
 * weighted sum adds whole rows.
 *
 * <p>The floats live outside the Java heap, in memory of the arena given to the constructor (whoever owns that arena
 * frees them by closing it), so {@code -Xmx} need not hold the cache and the garbage collector never scans it. On
 * Linux the memory is mapped lazily: a page costs resident memory only once a sequence has written to it.
 * A sequence owns a slot for its lifetime and overwrites positions as it goes; nothing needs clearing.
 */
public final class VectorKvCache {

    final MemorySegment[] keys; // [layer] (S, K, C/B, H, B)
    final MemorySegment[] values; // [layer] (S, K, C, H)
    private final int slots;
    private final int capacity;
    private final long span; // capacity rounded up to whole key blocks
    private final int kvHeads;
    private final int headDim;

    /** A cache of {@code slots} sequences of up to {@code capacity} positions, in memory freed with {@code arena}. */
    public VectorKvCache(ModelConfig config, int slots, int capacity, Arena arena) {
        if (slots <= 0 || capacity <= 0) throw new IllegalArgumentException("slots and capacity must be positive");
        this.slots = slots;
        this.capacity = capacity;
        this.span = ((long) capacity + AttentionOps.BLOCK - 1) / AttentionOps.BLOCK * AttentionOps.BLOCK;
        this.kvHeads = config.numKvHeads();
        this.headDim = config.headDim();
        long layerBytes = slots * kvHeads * span * headDim * Float.BYTES;
        KvLayers layers = KvLayers.allocate(config.numLayers(), layerBytes, arena);
        this.keys = layers.keys();
        this.values = layers.values();
    }

    public int slots() {
        return slots;
    }

    public int capacity() {
        return capacity;
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
        long blocks = (positions + AttentionOps.BLOCK - 1) / AttentionOps.BLOCK;
        long keyBytes = blocks * AttentionOps.BLOCK * headDim * Float.BYTES;
        long valueBytes = (long) positions * headDim * Float.BYTES;
        for (int layer = 0; layer < keys.length; layer++) {
            for (int head = 0; head < kvHeads; head++) {
                long a = offset(from, head) * Float.BYTES;
                long b = offset(to, head) * Float.BYTES;
                MemorySegment.copy(keys[layer], a, keys[layer], b, keyBytes);
                MemorySegment.copy(values[layer], a, values[layer], b, valueBytes);
            }
        }
    }

    /** Where head {@code head} of slot {@code slot} starts in a layer, in floats: (C/B, H, B) keys, (C, H) values. */
    long offset(int slot, int head) {
        return ((long) slot * kvHeads + head) * span * headDim;
    }
}
