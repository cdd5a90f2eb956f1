package ai.patchwork.model.grammar;

/** Inside a JSON object with free keys and values of any type. */
record AnyObjectFrame(Phase phase) implements Frame {
    /** Where in the object: before <code>{</code>, before the first key or <code>}</code>, after a key, after a value, after a comma. */
    enum Phase {
        OPEN,
        KEY_OR_END,
        COLON,
        COMMA_OR_END,
        KEY
    }

    private static final Node.StringNode KEY_STRING = new Node.StringNode(0, Integer.MAX_VALUE);

    @Override
    public Step accept(int b) {
        return switch (phase) {
            case OPEN -> b == '{' ? Step.to(new AnyObjectFrame(Phase.KEY_OR_END)) : null;
            case KEY_OR_END -> b == '}' ? Step.pop() : key(b);
            case COLON ->
                b == ':'
                        ? new Step(
                                new Frame[] {new AnyObjectFrame(Phase.COMMA_OR_END), Frame.start(Grammar.ANY_VALUE)},
                                true)
                        : null;
            case COMMA_OR_END -> b == '}' ? Step.pop() : b == ',' ? Step.to(new AnyObjectFrame(Phase.KEY)) : null;
            default -> key(b);
        };
    }

    private static Step key(int b) {
        return b == '"'
                ? new Step(new Frame[] {new AnyObjectFrame(Phase.COLON), StringFrame.open(KEY_STRING)}, false)
                : null;
    }
}
