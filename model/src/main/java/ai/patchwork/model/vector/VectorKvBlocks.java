package ai.patchwork.model.vector;

import ai.patchwork.model.config.ModelConfig;

/**
 * A pool of KV blocks beside a {@link VectorKvCache}: each block holds the keys and values of {@link #blockSize()}
 * consecutive positions of one sequence, in every layer and head, laid out as the cache lays them out (keys
 * (K, blockSize / B, H, B), values (K, blockSize, H) per layer: the pool is a cache of P slots of blockSize
 * positions), so saving and loading a block are plain array copies.
 * The prefix cache of the serving engine keeps prompt prefixes here; which block holds what is its business.
 */
public final class VectorKvBlocks {

    /** Positions per block: 16 (vLLM's default), rounded up to whole key blocks of the SIMD width. */
    public static final int BLOCK_SIZE = (16 + AttentionOps.BLOCK - 1) / AttentionOps.BLOCK * AttentionOps.BLOCK;

    private final VectorKvCache storage; // slot p: block p

    public VectorKvBlocks(ModelConfig config, int blocks) {
        if (blocks <= 0) throw new IllegalArgumentException("blocks must be positive, got " + blocks);
        this.storage = new VectorKvCache(config, blocks, BLOCK_SIZE);
    }

    /** Bytes of one block: keys and values of {@link #BLOCK_SIZE} positions in every layer. */
    public static long blockBytes(ModelConfig config) {
        return 2L * config.numLayers() * config.numKvHeads() * BLOCK_SIZE * config.headDim() * Float.BYTES;
    }

    public int blocks() {
        return storage.slots();
    }

    public int blockSize() {
        return BLOCK_SIZE;
    }

    /** Bytes of heap held by the pool. */
    public long bytes() {
        return storage.bytes();
    }

    /** Copies positions {@code position .. position + blockSize - 1} of a cache slot into block {@code block}. */
    public void save(VectorKvCache cache, int slot, int position, int block) {
        check(cache, slot, position, block);
        cache.copy(slot, position, storage, block, 0, BLOCK_SIZE);
    }

    /** Copies block {@code block} into positions {@code position .. position + blockSize - 1} of a cache slot. */
    public void load(int block, VectorKvCache cache, int slot, int position) {
        check(cache, slot, position, block);
        storage.copy(block, 0, cache, slot, position, BLOCK_SIZE);
    }

    private void check(VectorKvCache cache, int slot, int position, int block) {
        if (block < 0 || block >= blocks()) throw new IllegalArgumentException("no block " + block);
        if (slot < 0 || slot >= cache.slots()) throw new IllegalArgumentException("no slot " + slot);
        if (position < 0 || position % BLOCK_SIZE != 0 || position + BLOCK_SIZE > cache.capacity()) {
            throw new IllegalArgumentException("position " + position + " does not start a block within the cache");
        }
    }
}
