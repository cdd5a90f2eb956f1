package ai.patchwork.model.grammar;

/**
 * Inside a string: well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF), no control
 * characters and no escapes (so the text is exactly its bytes), {@code minLength} to {@code maxLength} code points.
 *
 * @param length code points so far
 * @param pending continuation bytes the current character still needs
 * @param lo lowest byte allowed as the next continuation byte
 * @param hi highest byte allowed as the next continuation byte
 */
record StringFrame(Node.StringNode node, boolean open, int length, int pending, int lo, int hi) implements Frame {

    static StringFrame open(Node.StringNode node) {
        return new StringFrame(node, false, 0, 0, 0x80, 0xBF);
    }

    @Override
    public Step accept(int b) {
        if (!open) return b == '"' ? Step.to(new StringFrame(node, true, 0, 0, 0x80, 0xBF)) : null;
        if (pending > 0) {
            return b >= lo && b <= hi ? Step.to(new StringFrame(node, true, length, pending - 1, 0x80, 0xBF)) : null;
        }
        if (b == '"') return length >= node.minLength() ? Step.pop() : null;
        if (b == '\\' || b < 0x20 || length >= node.maxLength()) return null;
        if (b < 0x80) return next(0, 0x80, 0xBF);
        if (b >= 0xC2 && b <= 0xDF) return next(1, 0x80, 0xBF);
        if (b == 0xE0) return next(2, 0xA0, 0xBF);
        if (b == 0xED) return next(2, 0x80, 0x9F); // no surrogates
        if (b >= 0xE1 && b <= 0xEF) return next(2, 0x80, 0xBF);
        if (b == 0xF0) return next(3, 0x90, 0xBF);
        if (b >= 0xF1 && b <= 0xF3) return next(3, 0x80, 0xBF);
        if (b == 0xF4) return next(3, 0x80, 0x8F);
        return null;
    }

    /**
     * Within a token of at most {@code longest} bytes a string's length only matters near its bounds: far below
     * {@code minLength} (no closing quote can come) or at least at it, and far enough below {@code maxLength}, every
     * length allows the same byte strings, so the lengths of each class share one key ({@code -2} and {@code -1}).
     */
    @Override
    public Frame maskKey(int longest) {
        if (!open || (long) length + longest > node.maxLength()) return this;
        if (length >= node.minLength()) return new StringFrame(node, true, -1, pending, lo, hi);
        if ((long) length + longest < node.minLength()) return new StringFrame(node, true, -2, pending, lo, hi);
        return this;
    }

    private Step next(int continuation, int nextLo, int nextHi) {
        return Step.to(new StringFrame(node, true, length + 1, continuation, nextLo, nextHi));
    }
}
