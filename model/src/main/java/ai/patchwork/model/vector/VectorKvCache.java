package ai.patchwork.model.vector;

import ai.patchwork.model.config.ModelConfig;

/**
 * Keys and values of past positions for {@link VectorTransformer}: per layer, keys (S, K, H, C) and values (S, K, C, H),
 * row-major float arrays for S sequence slots, K key/value heads, C positions and H head size. Keys are stored
 * transposed so a query's scores over all positions are SIMD multiply-adds along C, and values by position so the
 * weighted sum adds whole rows.
 * A sequence owns a slot for its lifetime and overwrites positions as it goes; nothing needs clearing.
 */
public final class VectorKvCache {

  final float[][] keys; // [layer] (S, K, H, C)
  final float[][] values; // [layer] (S, K, C, H)
  private final int slots;
  private final int capacity;
  private final int kvHeads;
  private final int headDim;

  public VectorKvCache(ModelConfig config, int slots, int capacity) {
    if (slots <= 0 || capacity <= 0) throw new IllegalArgumentException("slots and capacity must be positive");
    long size = (long) slots * config.numKvHeads() * capacity * config.headDim();
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("a KV cache layer of " + size + " floats exceeds one Java array");
    }
    this.slots = slots;
    this.capacity = capacity;
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

  /** Where head {@code head} of slot {@code slot} starts in a layer's array: (H, C) keys, (C, H) values. */
  int offset(int slot, int head) {
    return (slot * kvHeads + head) * capacity * headDim;
  }
}
