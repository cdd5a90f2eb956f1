package ai.patchwork.model.kv;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.config.ModelConfig;

/**
 * A pool of KV blocks beside a {@link KvCache}, on the same device: per layer, keys (P, K, H, N) and values
 * (P, K, N, H) for P blocks of N consecutive positions of one sequence, laid out as the cache lays them out (the pool is
 * a cache of P slots of N positions), so saving and loading a block are one index-put per tensor. The prefix cache of the serving engine keeps prompt prefixes here;
 * which block holds what is its business. The pool owns its native memory: close it to free it.
 */
public final class KvBlocks implements KvBlockStore<KvCache>, AutoCloseable {

    private final KvCache storage; // slot p: block p
    private final int blockSize;

    public KvBlocks(ModelConfig config, int blocks, int blockSize, NDManager parent) {
        if (blocks <= 0 || blockSize <= 0) throw new IllegalArgumentException("blocks and block size must be positive");
        this.storage = new KvCache(config, blocks, blockSize, parent);
        this.blockSize = blockSize;
    }

    /** Bytes of one block: keys and values of {@code blockSize} positions in every layer. */
    public static long blockBytes(ModelConfig config, int blockSize) {
        return 2L * config.numLayers() * config.numKvHeads() * blockSize * config.headDim() * Float.BYTES;
    }

    @Override
    public int blocks() {
        return storage.slots();
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public void save(KvCache cache, int slot, int position, int block) {
        check(cache, slot, position, block);
        cache.copy(slot, position, storage, block, 0, blockSize);
    }

    @Override
    public void load(int block, KvCache cache, int slot, int position) {
        check(cache, slot, position, block);
        storage.copy(block, 0, cache, slot, position, blockSize);
    }

    private void check(KvCache cache, int slot, int position, int block) {
        if (block < 0 || block >= blocks()) throw new IllegalArgumentException("no block " + block);
        if (slot < 0 || slot >= cache.slots()) throw new IllegalArgumentException("no slot " + slot);
        if (position < 0 || position % blockSize != 0 || position + blockSize > cache.capacity()) {
            throw new IllegalArgumentException("position " + position + " does not start a block within the cache");
        }
    }

    @Override
    public void close() {
        storage.close();
    }
}
