package ai.patchwork.model.grammar;

/**
 * Inside a number: {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?}, at most {@link #MAX_INT_DIGITS} integer and
 * {@link #MAX_FRACTION_DIGITS} fraction digits, no exponent; integers have no fraction. It ends at the first byte
 * that cannot continue it, which goes to the enclosing value.
 */
record NumberFrame(boolean integer, Phase phase, int digits) implements Frame {
    static final int MAX_INT_DIGITS = 15;
    static final int MAX_FRACTION_DIGITS = 6;

    /** What was read last: nothing, the minus sign, a leading zero, an integer digit, the dot, a fraction digit. */
    enum Phase {
        START,
        MINUS,
        ZERO,
        INT,
        DOT,
        FRACTION
    }

    @Override
    public Step accept(int b) {
        boolean digit = b >= '0' && b <= '9';
        return switch (phase) {
            case START, MINUS -> {
                if (b == '-' && phase == Phase.START) yield Step.to(new NumberFrame(integer, Phase.MINUS, 0));
                if (b == '0') yield Step.to(new NumberFrame(integer, Phase.ZERO, 1));
                yield digit ? Step.to(new NumberFrame(integer, Phase.INT, 1)) : null;
            }
            case ZERO, INT -> {
                if (digit && phase == Phase.INT && digits < MAX_INT_DIGITS)
                    yield Step.to(new NumberFrame(integer, Phase.INT, digits + 1));
                if (b == '.' && !integer) yield Step.to(new NumberFrame(integer, Phase.DOT, 0));
                yield digit ? null : Step.popAndRefeed();
            }
            case DOT -> digit ? Step.to(new NumberFrame(integer, Phase.FRACTION, 1)) : null;
            default -> {
                if (digit)
                    yield digits < MAX_FRACTION_DIGITS
                            ? Step.to(new NumberFrame(integer, Phase.FRACTION, digits + 1))
                            : null;
                yield Step.popAndRefeed();
            }
        };
    }

    @Override
    public boolean canEnd() {
        return phase == Phase.ZERO || phase == Phase.INT || phase == Phase.FRACTION;
    }
}
