package ai.patchwork.model.kv;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

/**
 * The cache as one forward step sees it: where each sequence writes its new keys and values, and the (B, K, L, H)
 * keys and values it attends over. L is the longest sequence after this step; shorter ones are masked.
 */
public final class KvBinding {

  private final KvCache cache;
  private final NDManager step;
  private final NDIndex writeIndex;
  private final NDIndex readIndex;
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
      if (slots[i] < 0 || slots[i] >= cache.slots()) throw new IllegalArgumentException("slot " + slots[i] + " out of range");
      if (starts[i] + newTokens > cache.capacity()) {
        throw new IllegalArgumentException("sequence in slot " + slots[i] + " would exceed the cache capacity " + cache.capacity());
      }
      rows[i] = slots[i];
      prefix &= slots[i] == i;
      for (int t = 0; t < newTokens; t++) pos[i * newTokens + t] = starts[i] + t;
      longest = Math.max(longest, starts[i] + newTokens);
    }
    this.attended = longest;
    NDArray slotIdx = step.create(rows).reshape(b, 1); // (B, 1)
    NDArray posIdx = step.create(pos).reshape(b, newTokens); // (B, T)
    this.writeIndex = new NDIndex("{}, :, {}", slotIdx, posIdx);
    // Slots 0..B-1 in order are a view of the cache; any other set of slots is gathered.
    this.readIndex = prefix ? new NDIndex(":{}, :, :{}", b, longest) : new NDIndex("{}, :, :{}", step.create(rows), longest);
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
   * @return keys then values, each (B, K, L, H)
   */
  public NDArray[] append(int layer, NDArray k, NDArray v) {
    cache.write(layer, writeIndex, k, v);
    // Results of an op belong to its receiver's manager: move them to the step's so they are freed with it.
    NDArray keys = cache.keys(layer).get(readIndex);
    NDArray values = cache.values(layer).get(readIndex);
    keys.attach(step);
    values.attach(step);
    return new NDArray[] {keys, values};
  }

}
