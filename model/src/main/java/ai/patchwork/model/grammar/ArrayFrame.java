package ai.patchwork.model.grammar;

/** Inside an array: {@code count} items started so far, within [minItems, maxItems]. */
record ArrayFrame(Node.ArrayNode node, Phase phase, int count) implements Frame {
    /** Where in the array: before {@code [}, before the first item or {@code ]}, after an item, after a comma. */
    enum Phase {
        OPEN,
        FIRST,
        COMMA_OR_END,
        ITEM
    }

    @Override
    public Step accept(int b) {
        return switch (phase) {
            case OPEN -> b == '[' ? Step.to(new ArrayFrame(node, Phase.FIRST, 0)) : null;
            case FIRST -> b == ']' ? (node.minItems() == 0 ? Step.pop() : null) : item();
            case COMMA_OR_END -> {
                if (b == ']') yield count >= node.minItems() ? Step.pop() : null;
                yield b == ',' && count < node.maxItems() ? Step.to(new ArrayFrame(node, Phase.ITEM, count)) : null;
            }
            default -> item();
        };
    }

    /** The byte starts the next item: it is fed to the item's frame. */
    private Step item() {
        if (count >= node.maxItems()) return null;
        Frame after = new ArrayFrame(node, Phase.COMMA_OR_END, count + 1);
        return new Step(new Frame[] {after, Frame.start(node.items())}, false);
    }
}
