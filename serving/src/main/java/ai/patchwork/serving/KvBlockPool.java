package ai.patchwork.serving;

/**
 * A runner's pool of KV blocks for the {@link PrefixCache}: fixed-size blocks of {@link #blockSize()} positions that
 * keys and values are copied to from a sequence's KV slot, and back into another's. Engine loop only.
 */
interface KvBlockPool {

    /** Positions per block. */
    int blockSize();

    /** Blocks in the pool. */
    int blocks();

    /** Copies positions {@code position ..} (a multiple of the block size) of KV slot {@code kvSlot} into a block. */
    void save(int kvSlot, int position, int block);

    /** Copies a block into positions {@code position ..} of KV slot {@code kvSlot}. */
    void load(int block, int kvSlot, int position);

    /**
     * How many blocks a pool gets: what {@code bytes} holds, at most as many as the KV cache has positions (more could
     * never be told apart from a cache that keeps every slot's prompt).
     */
    static int blocks(long bytes, long blockBytes, int blockSize, int kvSlots, int context) {
        long byBytes = bytes / blockBytes;
        long byCache = (long) kvSlots * context / blockSize;
        return (int) Math.min(Integer.MAX_VALUE, Math.min(byBytes, byCache));
    }
}
