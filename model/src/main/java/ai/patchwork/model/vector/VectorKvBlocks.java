package ai.patchwork.model.vector;

import ai.patchwork.model.config.ModelConfig;

/**
 * A pool of KV blocks beside a {@link VectorKvCache}: each block holds the keys and values of {@link #blockSize()}
 * consecutive positions of one sequence, in every layer and head, laid out as the cache lays them out (keys
 * (K, blockSize / B, H, B), values (K, blockSize, H) per layer), so saving and loading a block are plain array copies.
 * The prefix cache of the serving engine keeps prompt prefixes here; which block holds what is its business.
 */
public final class VectorKvBlocks {

    /** Positions per block: 16 (vLLM's default), rounded up to whole key blocks of the SIMD width. */
    public static final int BLOCK_SIZE = (16 + AttentionOps.BLOCK - 1) / AttentionOps.BLOCK * AttentionOps.BLOCK;

    private final float[][] keys; // [layer] (P, K, blockSize / B, H, B)
    private final float[][] values; // [layer] (P, K, blockSize, H)
    private final int blocks;
    private final int kvHeads;
    private final int headFloats; // blockSize × H: one head of one block, keys or values

    public VectorKvBlocks(ModelConfig config, int blocks) {
        if (blocks <= 0) throw new IllegalArgumentException("blocks must be positive, got " + blocks);
        this.kvHeads = config.numKvHeads();
        this.headFloats = BLOCK_SIZE * config.headDim();
        long size = (long) blocks * kvHeads * headFloats;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a KV block pool layer of " + size + " floats exceeds one Java array");
        }
        this.blocks = blocks;
        this.keys = new float[config.numLayers()][(int) size];
        this.values = new float[config.numLayers()][(int) size];
    }

    /** Bytes of one block: keys and values of {@link #BLOCK_SIZE} positions in every layer. */
    public static long blockBytes(ModelConfig config) {
        return 2L * config.numLayers() * config.numKvHeads() * BLOCK_SIZE * config.headDim() * Float.BYTES;
    }

    public int blocks() {
        return blocks;
    }

    public int blockSize() {
        return BLOCK_SIZE;
    }

    /** Bytes of heap held by the pool. */
    public long bytes() {
        return 2L * keys.length * keys[0].length * Float.BYTES;
    }

    /** Copies positions {@code position .. position + blockSize - 1} of a cache slot into block {@code block}. */
    public void save(VectorKvCache cache, int slot, int position, int block) {
        check(cache, slot, position, block);
        for (int layer = 0; layer < keys.length; layer++) {
            for (int head = 0; head < kvHeads; head++) {
                int at = cache.offset(slot, head) + position * headFloats / BLOCK_SIZE;
                System.arraycopy(cache.keys[layer], at, keys[layer], offset(block, head), headFloats);
                System.arraycopy(cache.values[layer], at, values[layer], offset(block, head), headFloats);
            }
        }
    }

    /** Copies block {@code block} into positions {@code position .. position + blockSize - 1} of a cache slot. */
    public void load(int block, VectorKvCache cache, int slot, int position) {
        check(cache, slot, position, block);
        for (int layer = 0; layer < keys.length; layer++) {
            for (int head = 0; head < kvHeads; head++) {
                int at = cache.offset(slot, head) + position * headFloats / BLOCK_SIZE;
                System.arraycopy(keys[layer], offset(block, head), cache.keys[layer], at, headFloats);
                System.arraycopy(values[layer], offset(block, head), cache.values[layer], at, headFloats);
            }
        }
    }

    private void check(VectorKvCache cache, int slot, int position, int block) {
        if (block < 0 || block >= blocks) throw new IllegalArgumentException("no block " + block);
        if (slot < 0 || slot >= cache.slots()) throw new IllegalArgumentException("no slot " + slot);
        if (position < 0 || position % BLOCK_SIZE != 0 || position + BLOCK_SIZE > cache.capacity()) {
            throw new IllegalArgumentException("position " + position + " does not start a block within the cache");
        }
    }

    private int offset(int block, int head) {
        return (block * kvHeads + head) * headFloats;
    }
}
