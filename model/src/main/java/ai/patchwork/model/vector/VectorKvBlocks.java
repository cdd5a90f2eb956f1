package ai.patchwork.model.vector;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.kv.KvBlockStore;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A pool of KV blocks beside a {@link VectorKvCache}: each block holds the keys and values of {@link #blockSize()}
 * consecutive positions of one sequence, in every layer and head, laid out as the cache lays them out (keys
 * (K, blockSize / B, H, B), values (K, blockSize, H) per layer), so saving and loading a block are plain memory copies.
 * Like the cache, the pool lives outside the Java heap, in memory of the arena given to the constructor.
 * The prefix cache of the serving engine keeps prompt prefixes here; which block holds what is its business.
 */
public final class VectorKvBlocks implements KvBlockStore<VectorKvCache> {

    /** Positions per block: 16 (vLLM's default), rounded up to whole key blocks of the SIMD width. */
    public static final int BLOCK_SIZE = (16 + AttentionOps.BLOCK - 1) / AttentionOps.BLOCK * AttentionOps.BLOCK;

    private final MemorySegment[] keys; // [layer] (P, K, blockSize / B, H, B)
    private final MemorySegment[] values; // [layer] (P, K, blockSize, H)
    private final int blocks;
    private final int kvHeads;
    private final long headBytes; // blockSize × H floats: one head of one block, keys or values

    /** A pool of {@code blocks} blocks in memory freed with {@code arena}. */
    public VectorKvBlocks(ModelConfig config, int blocks, Arena arena) {
        if (blocks <= 0) throw new IllegalArgumentException("blocks must be positive, got " + blocks);
        this.kvHeads = config.numKvHeads();
        this.headBytes = (long) BLOCK_SIZE * config.headDim() * Float.BYTES;
        this.blocks = blocks;
        long layerBytes = blocks * kvHeads * headBytes;
        KvLayers layers = KvLayers.allocate(config.numLayers(), layerBytes, arena);
        this.keys = layers.keys();
        this.values = layers.values();
    }

    /** Bytes of one block: keys and values of {@link #BLOCK_SIZE} positions in every layer. */
    public static long blockBytes(ModelConfig config) {
        return 2L * config.numLayers() * config.numKvHeads() * BLOCK_SIZE * config.headDim() * Float.BYTES;
    }

    @Override
    public int blocks() {
        return blocks;
    }

    @Override
    public int blockSize() {
        return BLOCK_SIZE;
    }

    @Override
    public void save(VectorKvCache cache, int slot, int position, int block) {
        copy(cache, slot, position, block, true);
    }

    @Override
    public void load(int block, VectorKvCache cache, int slot, int position) {
        copy(cache, slot, position, block, false);
    }

    /**
     * Copies {@link #BLOCK_SIZE} positions of every layer and head between a cache slot, from {@code position}, and
     * block {@code block}: into the block when {@code save}, out of it otherwise.
     */
    private void copy(VectorKvCache cache, int slot, int position, int block, boolean save) {
        check(cache, slot, position, block);
        for (int layer = 0; layer < keys.length; layer++) {
            for (int head = 0; head < kvHeads; head++) {
                long at = at(cache, slot, head, position);
                long pooled = offset(block, head);
                if (save) {
                    MemorySegment.copy(cache.keys[layer], at, keys[layer], pooled, headBytes);
                    MemorySegment.copy(cache.values[layer], at, values[layer], pooled, headBytes);
                } else {
                    MemorySegment.copy(keys[layer], pooled, cache.keys[layer], at, headBytes);
                    MemorySegment.copy(values[layer], pooled, cache.values[layer], at, headBytes);
                }
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

    /** Byte offset of a block's first position in a cache slot's head (keys and values alike: whole key blocks). */
    private long at(VectorKvCache cache, int slot, int head, int position) {
        return cache.offset(slot, head) * Float.BYTES + position * headBytes / BLOCK_SIZE;
    }

    private long offset(int block, int head) {
        return ((long) block * kvHeads + head) * headBytes;
    }
}
