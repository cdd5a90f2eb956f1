package ai.patchwork.serving;

import ai.patchwork.model.kv.KvBlockStore;

/**
 * A runner's pool of KV blocks for the {@link PrefixCache}: fixed-size blocks of {@link #blockSize()} positions that
 * keys and values are copied to from a sequence's KV slot, and back into another's. Engine loop only.
 *
 * @param blockSize positions per block
 * @param blocks blocks in the pool
 * @param saver copies positions {@code position ..} (a multiple of the block size) of a KV slot into a block
 * @param loader copies a block into positions {@code position ..} of a KV slot
 */
record KvBlockPool(int blockSize, int blocks, Copy saver, Copy loader) {

    /** One block's copy between a KV slot's positions and the pool. */
    interface Copy {
        void copy(int kvSlot, int position, int block);
    }

    /** The pool of {@code store}'s blocks, copying from and into the slots of {@code cache}. */
    static <C> KvBlockPool of(KvBlockStore<C> store, C cache) {
        return new KvBlockPool(
                store.blockSize(),
                store.blocks(),
                (kvSlot, position, block) -> store.save(cache, kvSlot, position, block),
                (kvSlot, position, block) -> store.load(block, cache, kvSlot, position));
    }

    KvBlockPool {
        if (blockSize <= 0 || blocks <= 0) throw new IllegalArgumentException("blocks and block size must be positive");
        if (saver == null || loader == null) throw new IllegalArgumentException("saver and loader are required");
    }

    /** Copies positions {@code position ..} (a multiple of the block size) of KV slot {@code kvSlot} into a block. */
    void save(int kvSlot, int position, int block) {
        saver.copy(kvSlot, position, block);
    }

    /** Copies a block into positions {@code position ..} of KV slot {@code kvSlot}. */
    void load(int block, int kvSlot, int position) {
        loader.copy(kvSlot, position, block);
    }

    /**
     * How many blocks of {@code blockSize} positions a runner's pool gets: none without prefix caching, else what
     * {@link EngineConfig#prefixCacheBytes()} holds, at most as many as the KV cache of {@code context} positions per
     * slot has positions (more could never be told apart from a cache that keeps every slot's prompt).
     */
    static int blocks(EngineConfig config, int context, long blockBytes, int blockSize) {
        if (!config.prefixCaching()) return 0;
        long byBytes = config.prefixCacheBytes() / blockBytes;
        long byCache = (long) config.maxBatchSize() * context / blockSize;
        return (int) Math.min(Integer.MAX_VALUE, Math.min(byBytes, byCache));
    }
}
