package ai.patchwork.model.grammar;

/**
 * Inside a number: {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?}, at most {@link #MAX_INT_DIGITS} integer and
 * {@link #MAX_FRACTION_DIGITS} fraction digits, no exponent; integers have no fraction. It ends at the first byte
 * that cannot continue it, which goes to the enclosing value.
 */
record NumberFrame(boolean integer, int phase, int digits) implements Frame {
    static final int MAX_INT_DIGITS = 15;
    static final int MAX_FRACTION_DIGITS = 6;
    static final int START = 0;
    static final int MINUS = 1;
    static final int ZERO = 2;
    static final int INT = 3;
    static final int DOT = 4;
    static final int FRACTION = 5;

    @Override
    public Step accept(int b) {
        boolean digit = b >= '0' && b <= '9';
        return switch (phase) {
            case START, MINUS -> {
                if (b == '-' && phase == START) yield Step.to(new NumberFrame(integer, MINUS, 0));
                if (b == '0') yield Step.to(new NumberFrame(integer, ZERO, 1));
                yield digit ? Step.to(new NumberFrame(integer, INT, 1)) : null;
            }
            case ZERO, INT -> {
                if (digit && phase == INT && digits < MAX_INT_DIGITS)
                    yield Step.to(new NumberFrame(integer, INT, digits + 1));
                if (b == '.' && !integer) yield Step.to(new NumberFrame(integer, DOT, 0));
                yield digit ? null : Step.popAndRefeed();
            }
            case DOT -> digit ? Step.to(new NumberFrame(integer, FRACTION, 1)) : null;
            default -> {
                if (digit)
                    yield digits < MAX_FRACTION_DIGITS ? Step.to(new NumberFrame(integer, FRACTION, digits + 1)) : null;
                yield Step.popAndRefeed();
            }
        };
    }

    @Override
    public boolean canEnd() {
        return phase == ZERO || phase == INT || phase == FRACTION;
    }
}
