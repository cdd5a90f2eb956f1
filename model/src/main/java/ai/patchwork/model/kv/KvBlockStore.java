package ai.patchwork.model.kv;

/**
 * A pool of KV blocks beside a KV cache of type {@code C}: each block holds the keys and values of
 * {@link #blockSize()} consecutive positions of one sequence, in every layer, copied from and back into a cache slot.
 * The tensor runtime's {@link KvBlocks} and the CPU runtime's {@code VectorKvBlocks} are the two; the serving
 * engine's prefix cache keeps prompt prefixes in one, and which block holds what is its business.
 *
 * @param <C> the cache the blocks copy from and to
 */
public interface KvBlockStore<C> {

    /** Blocks in the pool. */
    int blocks();

    /** Positions per block. */
    int blockSize();

    /** Copies positions {@code position .. position + blockSize - 1} of a cache slot into block {@code block}. */
    void save(C cache, int slot, int position, int block);

    /** Copies block {@code block} into positions {@code position .. position + blockSize - 1} of a cache slot. */
    void load(int block, C cache, int slot, int position);
}
