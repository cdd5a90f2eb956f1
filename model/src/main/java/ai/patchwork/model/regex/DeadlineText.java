package ai.patchwork.model.regex;

import java.util.function.Supplier;

/**
 * Text handed to {@link java.util.regex.Pattern#matcher} that throws {@code timeout}'s exception once a deadline (from
 * {@link System#nanoTime}) has passed. Java's backtracking matcher can take exponential time on patterns like
 * {@code (a|a)*b}, and it reads the text through {@link #charAt} all along, so a runaway match ends with that exception
 * instead of a hung thread. The clock is read every {@value #CHECK_EVERY} reads, so the check costs next to nothing.
 */
public final class DeadlineText implements CharSequence {

    /** Reads between two looks at the clock. */
    static final int CHECK_EVERY = 1024;

    private final CharSequence text;
    private final long deadline;
    private final Supplier<? extends RuntimeException> timeout;
    private int reads;

    /**
     * @param deadline the {@link System#nanoTime} after which reading throws
     * @param timeout the exception to throw then
     */
    public DeadlineText(CharSequence text, long deadline, Supplier<? extends RuntimeException> timeout) {
        this.text = text;
        this.deadline = deadline;
        this.timeout = timeout;
    }

    @Override
    public char charAt(int index) {
        if (++reads % CHECK_EVERY == 0 && System.nanoTime() > deadline) throw timeout.get();
        return text.charAt(index);
    }

    @Override
    public int length() {
        return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return new DeadlineText(text.subSequence(start, end), deadline, timeout);
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
