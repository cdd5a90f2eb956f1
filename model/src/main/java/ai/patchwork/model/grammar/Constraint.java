package ai.patchwork.model.grammar;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Set;

/**
 * One sequence's grammar as it decodes: masks each row of logits to the tokens whose bytes the grammar accepts
 * (stop ids only where the value could end), then advances by the token picked. Engine loop only.
 */
public final class Constraint {
    private final TokenTrie trie;
    private final Set<Integer> stopIds;
    private GrammarState state;

    public Constraint(Grammar grammar, TokenTrie trie, Set<Integer> stopIds) {
        this.trie = trie;
        this.stopIds = Set.copyOf(stopIds);
        this.state = grammar.start();
    }

    /** A copy of {@code logits} with every token the grammar refuses here at negative infinity. */
    public float[] mask(float[] logits) {
        BitSet allowed = trie.allowed(state); // shared with the trie's cache: read only
        float[] out = new float[logits.length];
        Arrays.fill(out, Float.NEGATIVE_INFINITY);
        for (int id = allowed.nextSetBit(0); id >= 0 && id < logits.length; id = allowed.nextSetBit(id + 1)) {
            out[id] = logits[id];
        }
        if (state.canFinish()) for (int id : stopIds) if (id < logits.length) out[id] = logits[id];
        return out;
    }

    /**
     * Advances by the token picked from a masked row.
     *
     * @return true when the value is complete and nothing may follow: the sequence ends here
     * @throws IllegalStateException when the token was not allowed (it was not picked from {@link #mask})
     */
    public boolean advance(int id) {
        if (stopIds.contains(id)) return true;
        GrammarState next = state.accept(trie.bytes(id));
        if (next == null) throw new IllegalStateException("token " + id + " is not allowed by the grammar here");
        state = next;
        return state.complete();
    }
}
