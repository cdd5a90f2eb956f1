package ai.patchwork.model.grammar;

/** Inside an array: {@code count} items started so far, within [minItems, maxItems]. */
record ArrayFrame(Node.ArrayNode node, int phase, int count) implements Frame {
    static final int OPEN = 0;
    static final int FIRST = 1;
    static final int COMMA_OR_END = 2;
    static final int ITEM = 3;

    @Override
    public Step accept(int b) {
        return switch (phase) {
            case OPEN -> b == '[' ? Step.to(new ArrayFrame(node, FIRST, 0)) : null;
            case FIRST -> b == ']' ? (node.minItems() == 0 ? Step.pop() : null) : item();
            case COMMA_OR_END -> {
                if (b == ']') yield count >= node.minItems() ? Step.pop() : null;
                yield b == ',' && count < node.maxItems() ? Step.to(new ArrayFrame(node, ITEM, count)) : null;
            }
            default -> item();
        };
    }

    /** The byte starts the next item: it is fed to the item's frame. */
    private Step item() {
        if (count >= node.maxItems()) return null;
        Frame after = new ArrayFrame(node, COMMA_OR_END, count + 1);
        return new Step(new Frame[] {after, Frame.start(node.items())}, false);
    }
}
