package ai.patchwork.model.grammar;

import java.util.List;

/**
 * One level of the automaton's stack: where it is inside one JSON value. Immutable: a byte yields a {@link Step}.
 */
interface Frame {

    /**
     * What this frame becomes on one more byte.
     *
     * @param b the byte, 0 to 255
     * @return null when the byte is not allowed here
     */
    Step accept(int b);

    /**
     * A frame equal to this one's for every frame that allows exactly the same byte strings of at most {@code longest}
     * bytes, so token masks can be cached by it ({@link TokenTrie#allowed(GrammarState)}): by default the frame itself.
     */
    default Frame maskKey(int longest) {
        return this;
    }

    /** Whether the value could end here with no further byte (a number after a digit, an enum value's prefix). */
    default boolean canEnd() {
        return false;
    }

    /**
     * The top of the stack is replaced by {@code push} (bottom first; empty pops it); when {@code consumed} is false the
     * byte is fed again to the new top (a number ends at the first byte that is not part of it).
     */
    record Step(Frame[] push, boolean consumed) {
        static final Frame[] NONE = {};

        static Step to(Frame f) {
            return new Step(new Frame[] {f}, true);
        }

        static Step pop() {
            return new Step(NONE, true);
        }

        static Step popAndRefeed() {
            return new Step(NONE, false);
        }
    }

    /** The frame that reads a value of {@code node} from its first byte. */
    static Frame start(Node node) {
        return switch (node) {
            case Node.ObjectNode o -> new ObjectFrame(o, ObjectFrame.Phase.OPEN, 0, 0, 0);
            case Node.AnyObjectNode a -> new AnyObjectFrame(AnyObjectFrame.Phase.OPEN);
            case Node.AnyValueNode a -> start(Grammar.ANY_VALUE);
            case Node.ArrayNode a -> new ArrayFrame(a, ArrayFrame.Phase.OPEN, 0);
            case Node.StringNode s -> StringFrame.open(s);
            case Node.NumberNode n -> new NumberFrame(n.integer(), NumberFrame.Phase.START, 0);
            case Node.LiteralNode l -> LiteralFrame.of(l);
            case Node.ChoiceNode c -> new ChoiceFrame(c);
            case Node.SequenceNode q -> new SequenceFrame(q, 0);
            case Node.SwitchNode w -> SwitchFrame.of(w);
        };
    }

    /** The stack's bottom: the root value is complete; nothing may follow. */
    Frame END = b -> null;

    /** Starts the sequence's next part, and its rest below it, on the byte that begins the part. */
    record SequenceFrame(Node.SequenceNode sequence, int next) implements Frame {
        @Override
        public Step accept(int b) {
            List<Node> parts = sequence.parts();
            Frame part = start(parts.get(next));
            Frame[] push = next + 1 < parts.size()
                    ? new Frame[] {new SequenceFrame(sequence, next + 1), part}
                    : new Frame[] {part};
            return new Step(push, false);
        }
    }

    /** Dispatches on the first byte to the alternative it starts. */
    record ChoiceFrame(Node.ChoiceNode choice) implements Frame {
        @Override
        public Step accept(int b) {
            for (Node alternative : choice.alternatives()) {
                if (Grammar.firstBytes(alternative).get(b)) return new Step(new Frame[] {start(alternative)}, false);
            }
            return null;
        }
    }
}
