package ai.patchwork.serving;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Automatic prefix caching: the KV blocks of prompts already computed, kept in the runner's {@link KvBlockPool} and
 * copied into the KV slot of a later request whose prompt starts with the same tokens, which then prefills only the
 * rest (in chunks, from the first position not restored). Engine loop only.
 *
 * <p>A block is identified by its owner (the base model, or one version of one adapter: LoRA changes every layer's
 * keys and values, so blocks are never shared across adapters or versions), the block before it, and its own
 * {@link KvBlockPool#blockSize()} tokens, compared in full, so a block stands for the whole prefix up to its end, as
 * in vLLM's hash chain. Only whole blocks of a prompt are kept, and at most all but the last prompt token is
 * restored, so every prompt prefills at least one token for its first logits. When the pool is full the least recently
 * used block is evicted; every use touches a chain from its end back to its start, so a block is always evicted
 * before the blocks it continues.
 */
final class PrefixCache {

    /** One block's identity: its owner, the block it continues (0 at the start of a prompt) and its tokens. */
    private record Key(String owner, long parent, int[] tokens) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && parent == k.parent && owner.equals(k.owner) && Arrays.equals(tokens, k.tokens);
        }

        @Override
        public int hashCode() {
            return (owner.hashCode() * 31 + Long.hashCode(parent)) * 31 + Arrays.hashCode(tokens);
        }

        @Override
        public String toString() {
            return "Key[" + owner + ", after " + parent + ", " + tokens.length + " tokens]";
        }
    }

    /** A cached block: a unique id (its children's parent) and where it lies in the pool. */
    private record Block(long id, int index) {}

    private final KvBlockPool pool;
    private final int blockSize;
    private final LinkedHashMap<Key, Block> blocks = new LinkedHashMap<>(64, 0.75f, true); // least recent first
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private long ids;

    PrefixCache(KvBlockPool pool) {
        this.pool = pool;
        this.blockSize = pool.blockSize();
        for (int i = 0; i < pool.blocks(); i++) free.add(i);
    }

    /** The owner of a sequence's blocks: the base model, or its adapter's id and version. */
    static String owner(AdapterLease lease) {
        return lease == null ? "" : lease.entry().id + "\u0000" + lease.entry().version;
    }

    /**
     * Copies the longest cached prefix of {@code prompt} (whole blocks, at most all but its last token) into KV slot
     * {@code kvSlot}.
     *
     * @return the prompt tokens restored: the position the prefill continues from
     */
    int restore(String owner, int[] prompt, int kvSlot) {
        List<Block> chain = chain(owner, prompt, (prompt.length - 1) / blockSize);
        for (int j = 0; j < chain.size(); j++) pool.load(chain.get(j).index(), kvSlot, j * blockSize);
        return chain.size() * blockSize;
    }

    /**
     * Keeps the whole blocks of a prompt that is now in KV slot {@code kvSlot} and not cached yet, evicting the least
     * recently used blocks of other prompts when the pool is full.
     */
    void store(String owner, int[] prompt, int kvSlot) {
        int whole = prompt.length / blockSize;
        List<Block> chain = chain(owner, prompt, whole);
        Set<Block> kept = new HashSet<>(chain);
        long parent = chain.isEmpty() ? 0 : chain.getLast().id();
        for (int j = chain.size(); j < whole; j++) {
            Integer index = free.poll();
            if (index == null) index = evict(kept);
            if (index == null) break; // the pool holds only this prompt's blocks
            pool.save(kvSlot, j * blockSize, index);
            Block b = new Block(++ids, index);
            blocks.put(key(owner, parent, prompt, j), b);
            chain.add(b);
            kept.add(b);
            parent = b.id();
        }
        touch(owner, prompt, chain.size());
    }

    /** Blocks in use. */
    int used() {
        return blocks.size();
    }

    /** Blocks in the pool. */
    int capacity() {
        return pool.blocks();
    }

    /** The cached blocks that start {@code prompt}, at most {@code max}, touched from the last back to the first. */
    private List<Block> chain(String owner, int[] prompt, int max) {
        List<Block> chain = new ArrayList<>();
        long parent = 0;
        for (int j = 0; j < max; j++) {
            Block b = blocks.get(key(owner, parent, prompt, j));
            if (b == null) break;
            chain.add(b);
            parent = b.id();
        }
        touch(owner, prompt, chain.size());
        return chain;
    }

    /** Marks the first {@code n} blocks of a cached chain as used, the first last, so it is evicted after the rest. */
    private void touch(String owner, int[] prompt, int n) {
        if (n == 0) return;
        Key[] keys = new Key[n];
        long parent = 0;
        for (int j = 0; j < n; j++) {
            keys[j] = key(owner, parent, prompt, j);
            parent = blocks.get(keys[j]).id();
        }
        for (int j = n - 1; j >= 0; j--) blocks.get(keys[j]);
    }

    /** Frees the least recently used block unless it belongs to {@code kept}; its pool index, or null. */
    private Integer evict(Set<Block> kept) {
        Iterator<Map.Entry<Key, Block>> it = blocks.entrySet().iterator();
        if (!it.hasNext()) return null;
        Block eldest = it.next().getValue();
        if (kept.contains(eldest)) return null;
        it.remove();
        return eldest.index();
    }

    private Key key(String owner, long parent, int[] prompt, int block) {
        return new Key(owner, parent, Arrays.copyOfRange(prompt, block * blockSize, (block + 1) * blockSize));
    }
}
