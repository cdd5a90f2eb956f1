package ai.patchwork.model.kv;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

/**
 * The cache as one forward step sees it: where each sequence writes its new keys and values, and the keys (B, K, H, L)
 * and values (B, K, L, H) it attends over. L is the longest sequence after this step; shorter ones are masked.
 */
public final class KvBinding {

    private final KvCache cache;
    private final NDManager step;
    private final NDIndex writeKeys;
    private final NDIndex writeValues;
    private final NDIndex readKeys;
    private final NDIndex readValues;
    private final int attended;

    KvBinding(KvCache cache, int[] slots, int[] starts, int newTokens, NDManager step) {
        this.cache = cache;
        this.step = step;
        int b = slots.length;
        long[] pos = new long[b * newTokens];
        long[] rows = new long[b];
        int longest = 0;
        boolean prefix = true;
        for (int i = 0; i < b; i++) {
            if (slots[i] < 0 || slots[i] >= cache.slots())
                throw new IllegalArgumentException("slot " + slots[i] + " out of range");
            if (starts[i] + newTokens > cache.capacity()) {
                throw new IllegalArgumentException(
                        "sequence in slot " + slots[i] + " would exceed the cache capacity " + cache.capacity());
            }
            rows[i] = slots[i];
            prefix &= slots[i] == i;
            for (int t = 0; t < newTokens; t++) pos[i * newTokens + t] = starts[i] + t;
            longest = Math.max(longest, starts[i] + newTokens);
        }
        this.attended = longest;
        NDArray slotIdx = step.create(rows).reshape(b, 1); // (B, 1)
        NDArray posIdx = step.create(pos).reshape(b, newTokens); // (B, T)
        // Advanced indices move to the front, so both writes take the new (B, T, K, H) as they are.
        this.writeKeys = new NDIndex("{}, :, :, {}", slotIdx, posIdx);
        this.writeValues = new NDIndex("{}, :, {}", slotIdx, posIdx);
        // Slots 0..B-1 in order are a view of the cache; any other set of slots is gathered.
        NDArray gather = prefix ? null : step.create(rows);
        this.readKeys =
                prefix ? new NDIndex(":{}, :, :, :{}", b, longest) : new NDIndex("{}, :, :, :{}", gather, longest);
        this.readValues = prefix ? new NDIndex(":{}, :, :{}", b, longest) : new NDIndex("{}, :, :{}", gather, longest);
    }

    /** Number of positions attended over: the longest sequence including this step's tokens. */
    public int attended() {
        return attended;
    }

    /**
     * Stores this step's keys and values and returns everything the step attends over.
     *
     * @param k (B, T, K, H) new keys, already rotated
     * @param v (B, T, K, H) new values
     * @return keys transposed (B, K, H, L), then values (B, K, L, H)
     */
    public NDArray[] append(int layer, NDArray k, NDArray v) {
        cache.write(layer, writeKeys, writeValues, k, v);
        // Results of an op belong to its receiver's manager: move them to the step's so they are freed with it.
        NDArray keys = cache.keys(layer).get(readKeys);
        NDArray values = cache.values(layer).get(readValues);
        keys.attach(step);
        values.attach(step);
        return new NDArray[] {keys, values};
    }
}
