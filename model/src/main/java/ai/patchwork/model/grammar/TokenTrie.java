package ai.patchwork.model.grammar;

import ai.patchwork.model.tokenizer.TokenBytes;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.WeakHashMap;

/**
 * The vocabulary as a trie of byte strings, built once per tokenizer: the tokens a grammar state allows are found by
 * one walk that feeds each edge's byte to the state and prunes a whole subtree at the first byte it refuses, so a
 * step costs the allowed prefixes, not the vocabulary times the token length. Added tokens and ids without bytes are
 * left out (a grammar never produces them).
 *
 * <p>Masks are also cached by grammar state ({@link GrammarState#maskKey}, which folds the lengths of a long string
 * into one key): inside a string, where nearly every token is allowed and a walk visits the whole trie, each step after
 * the first reuses the mask instead of walking again.
 */
public final class TokenTrie {
    private static final Map<TokenBytes, TokenTrie> CACHE = new WeakHashMap<>();
    /**
     * Masks kept per trie, least recently used dropped first: a mask is a bit per token (16 KB for 128,000 tokens), and
     * a batch of constrained sequences revisits far fewer states than this.
     */
    private static final int MAX_MASKS = 1024;

    // node n: children childNode[childStart[n] .. childStart[n + 1]) on bytes childByte[...]; tokens likewise
    private final int[] childStart;
    private final int[] childNode;
    private final byte[] childByte;
    private final int[] tokenStart;
    private final int[] tokenIds;
    private final TokenBytes bytes;
    private final int longest; // bytes of the longest token in the trie
    private final Map<Object, BitSet> masks = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Object, BitSet> eldest) {
            return size() > MAX_MASKS;
        }
    };

    private TokenTrie(TokenBytes bytes) {
        this.bytes = bytes;
        List<TreeMap<Integer, Integer>> children = new ArrayList<>();
        List<List<Integer>> tokens = new ArrayList<>();
        children.add(new TreeMap<>());
        tokens.add(new ArrayList<>());
        int longest = 0;
        for (int id = 0; id < bytes.size(); id++) {
            byte[] b = bytes.bytes(id);
            if (b.length == 0 || bytes.added(id)) continue;
            longest = Math.max(longest, b.length);
            int node = 0;
            for (byte x : b) {
                Integer child = children.get(node).get(x & 0xFF);
                if (child == null) {
                    child = children.size();
                    children.add(new TreeMap<>());
                    tokens.add(new ArrayList<>());
                    children.get(node).put(x & 0xFF, child);
                }
                node = child;
            }
            tokens.get(node).add(id);
        }
        this.longest = longest;
        int n = children.size();
        childStart = new int[n + 1];
        tokenStart = new int[n + 1];
        for (int i = 0; i < n; i++) {
            childStart[i + 1] = childStart[i] + children.get(i).size();
            tokenStart[i + 1] = tokenStart[i] + tokens.get(i).size();
        }
        childNode = new int[childStart[n]];
        childByte = new byte[childStart[n]];
        tokenIds = new int[tokenStart[n]];
        for (int i = 0; i < n; i++) {
            int c = childStart[i];
            for (var e : children.get(i).entrySet()) {
                childByte[c] = (byte) (int) e.getKey();
                childNode[c++] = e.getValue();
            }
            int t = tokenStart[i];
            for (int id : tokens.get(i)) tokenIds[t++] = id;
        }
    }

    /** The trie of a tokenizer's vocabulary, built on first use and kept while the tokenizer is. */
    public static TokenTrie of(TokenBytes bytes) {
        synchronized (CACHE) {
            return CACHE.computeIfAbsent(bytes, TokenTrie::new);
        }
    }

    /** Sets in {@code allowed} every token whose bytes {@code state} accepts in full: one walk of the trie. */
    public void allowed(GrammarState state, BitSet allowed) {
        walk(0, state, allowed);
    }

    /**
     * The tokens whose bytes {@code state} accepts in full, from the cache of masks when a state with the same key was
     * seen (by any sequence on this vocabulary), else by one walk. Shared: the caller must not modify it.
     */
    public BitSet allowed(GrammarState state) {
        Object key = state.maskKey(longest);
        synchronized (masks) {
            BitSet cached = masks.get(key);
            if (cached != null) return cached;
        }
        BitSet mask = new BitSet();
        walk(0, state, mask);
        synchronized (masks) {
            masks.put(key, mask);
        }
        return mask;
    }

    private void walk(int node, GrammarState state, BitSet allowed) {
        for (int t = tokenStart[node]; t < tokenStart[node + 1]; t++) allowed.set(tokenIds[t]);
        for (int c = childStart[node]; c < childStart[node + 1]; c++) {
            GrammarState next = state.accept(childByte[c] & 0xFF);
            if (next != null) walk(childNode[c], next, allowed);
        }
    }

    /** The bytes of a token, for advancing a state by the token that was picked. */
    public byte[] bytes(int id) {
        return bytes.bytes(id);
    }

    /** Nodes in the trie (the root included). */
    int nodes() {
        return childStart.length - 1;
    }

    @Override
    public String toString() {
        return "TokenTrie[" + nodes() + " nodes, " + tokenIds.length + " tokens]";
    }
}
