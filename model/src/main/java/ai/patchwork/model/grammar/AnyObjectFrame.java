package ai.patchwork.model.grammar;

/** Inside a JSON object with free keys and values of any type. */
record AnyObjectFrame(int phase) implements Frame {
    static final int OPEN = 0;
    static final int KEY_OR_END = 1;
    static final int COLON = 2;
    static final int COMMA_OR_END = 3;
    static final int KEY = 4;
    private static final Node.StringNode KEY_STRING = new Node.StringNode(0, Integer.MAX_VALUE);

    @Override
    public Step accept(int b) {
        return switch (phase) {
            case OPEN -> b == '{' ? Step.to(new AnyObjectFrame(KEY_OR_END)) : null;
            case KEY_OR_END -> b == '}' ? Step.pop() : key(b);
            case COLON ->
                b == ':'
                        ? new Step(new Frame[] {new AnyObjectFrame(COMMA_OR_END), Frame.start(Grammar.ANY_VALUE)}, true)
                        : null;
            case COMMA_OR_END -> b == '}' ? Step.pop() : b == ',' ? Step.to(new AnyObjectFrame(KEY)) : null;
            default -> key(b);
        };
    }

    private static Step key(int b) {
        return b == '"' ? new Step(new Frame[] {new AnyObjectFrame(COLON), StringFrame.open(KEY_STRING)}, false) : null;
    }
}
