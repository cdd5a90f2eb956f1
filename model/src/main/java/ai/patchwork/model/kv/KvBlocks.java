package ai.patchwork.model.kv;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.patchwork.model.config.ModelConfig;

/**
 * A pool of KV blocks beside a {@link KvCache}, on the same device: per layer, keys (P, K, H, N) and values
 * (P, K, N, H) for P blocks of N consecutive positions of one sequence, laid out as the cache lays them out, so saving
 * and loading a block are one index-put per tensor. The prefix cache of the serving engine keeps prompt prefixes here;
 * which block holds what is its business. The pool owns its native memory: close it to free it.
 */
public final class KvBlocks implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final int blocks;
    private final int blockSize;

    public KvBlocks(ModelConfig config, int blocks, int blockSize, NDManager parent) {
        if (blocks <= 0 || blockSize <= 0) throw new IllegalArgumentException("blocks and block size must be positive");
        this.manager = parent.newSubManager();
        this.blocks = blocks;
        this.blockSize = blockSize;
        this.keys = new NDArray[config.numLayers()];
        this.values = new NDArray[config.numLayers()];
        for (int l = 0; l < keys.length; l++) {
            keys[l] = manager.zeros(new Shape(blocks, config.numKvHeads(), config.headDim(), blockSize));
            values[l] = manager.zeros(new Shape(blocks, config.numKvHeads(), blockSize, config.headDim()));
        }
    }

    /** Bytes of one block: keys and values of {@code blockSize} positions in every layer. */
    public static long blockBytes(ModelConfig config, int blockSize) {
        return 2L * config.numLayers() * config.numKvHeads() * blockSize * config.headDim() * Float.BYTES;
    }

    public int blocks() {
        return blocks;
    }

    public int blockSize() {
        return blockSize;
    }

    /** Copies positions {@code position .. position + blockSize - 1} of a cache slot into block {@code block}. */
    public void save(KvCache cache, int slot, int position, int block) {
        check(cache, slot, position, block);
        NDIndex keysAt = new NDIndex("{}, :, :, {}:{}", slot, position, position + blockSize);
        NDIndex valuesAt = new NDIndex("{}, :, {}:{}, :", slot, position, position + blockSize);
        NDIndex to = new NDIndex("{}", block);
        for (int l = 0; l < keys.length; l++) {
            try (NDArray k = cache.keys(l).get(keysAt);
                    NDArray v = cache.values(l).get(valuesAt)) {
                keys[l].set(to, k);
                values[l].set(to, v);
            }
        }
    }

    /** Copies block {@code block} into positions {@code position .. position + blockSize - 1} of a cache slot. */
    public void load(int block, KvCache cache, int slot, int position) {
        check(cache, slot, position, block);
        NDIndex keysAt = new NDIndex("{}, :, :, {}:{}", slot, position, position + blockSize);
        NDIndex valuesAt = new NDIndex("{}, :, {}:{}, :", slot, position, position + blockSize);
        NDIndex from = new NDIndex("{}", block);
        for (int l = 0; l < keys.length; l++) {
            try (NDArray k = keys[l].get(from);
                    NDArray v = values[l].get(from)) {
                cache.keys(l).set(keysAt, k);
                cache.values(l).set(valuesAt, v);
            }
        }
    }

    private void check(KvCache cache, int slot, int position, int block) {
        if (block < 0 || block >= blocks) throw new IllegalArgumentException("no block " + block);
        if (slot < 0 || slot >= cache.slots()) throw new IllegalArgumentException("no slot " + slot);
        if (position < 0 || position % blockSize != 0 || position + blockSize > cache.capacity()) {
            throw new IllegalArgumentException("position " + position + " does not start a block within the cache");
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
