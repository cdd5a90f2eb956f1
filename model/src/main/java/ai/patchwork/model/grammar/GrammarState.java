package ai.patchwork.model.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a sequence is in its grammar: an immutable stack of {@link Frame}s (a persistent linked list), so trying a
 * byte never disturbs the state it was tried on, and the token trie can branch from any state for free.
 */
public final class GrammarState {
    private final Frame top;
    private final GrammarState below;

    private GrammarState(Frame top, GrammarState below) {
        this.top = top;
        this.below = below;
    }

    static GrammarState start(Frame root) {
        return new GrammarState(root, new GrammarState(Frame.END, null));
    }

    /** The state after one more byte (0 to 255), or null when the grammar does not allow it here. */
    public GrammarState accept(int b) {
        GrammarState s = this;
        while (s != null) {
            Frame.Step step = s.top.accept(b);
            if (step == null) return null;
            GrammarState next = s.below;
            for (Frame f : step.push()) next = new GrammarState(f, next);
            if (step.consumed()) return next;
            s = next;
        }
        return null;
    }

    /** The state after {@code bytes}, or null when the grammar does not allow them here. */
    public GrammarState accept(byte[] bytes) {
        GrammarState s = this;
        for (int i = 0; i < bytes.length && s != null; i++) s = s.accept(bytes[i] & 0xFF);
        return s;
    }

    /**
     * A key equal for two states that accept exactly the same byte strings of at most {@code longest} bytes: the
     * stack's frames, each as its {@link Frame#maskKey}.
     */
    Object maskKey(int longest) {
        List<Frame> frames = new ArrayList<>();
        for (GrammarState s = this; s != null; s = s.below) frames.add(s.top.maskKey(longest));
        return frames;
    }

    /** The value is complete and nothing may follow. */
    public boolean complete() {
        return top == Frame.END;
    }

    /** The text so far is a complete value, though more bytes could still extend it (a root number). */
    public boolean canFinish() {
        return complete() || (top.canEnd() && below != null && below.top == Frame.END);
    }
}
