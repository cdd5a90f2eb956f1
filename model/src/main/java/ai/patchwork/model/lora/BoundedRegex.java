package ai.patchwork.model.lora;

import ai.patchwork.model.config.ModelFormatException;
import ai.patchwork.model.regex.DeadlineText;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A regular expression from an untrusted source (a {@code target_modules} string in an uploaded
 * {@code adapter_config.json}): at most {@value #MAX_LENGTH} characters, and every match given at most
 * {@value #MATCH_MILLIS} ms. Java's backtracking matcher can take exponential time on patterns like {@code (a|a)*b};
 * the text is handed to it as a {@link DeadlineText}, so a runaway match ends with a {@link ModelFormatException}
 * instead of a hung thread. An invalid pattern is a
 * {@link ModelFormatException} too (a 400 for the client, never a 500).
 */
final class BoundedRegex {

    /** Longest pattern accepted. */
    static final int MAX_LENGTH = 512;

    /** Time one match may take. */
    static final long MATCH_MILLIS = 100;

    private final Pattern pattern;
    private final String what;

    private BoundedRegex(Pattern pattern, String what) {
        this.pattern = pattern;
        this.what = what;
    }

    /** Compiles {@code regex}; {@code what} names it in error messages. */
    static BoundedRegex compile(String regex, String what) {
        if (regex.length() > MAX_LENGTH) {
            throw new ModelFormatException(what + " is a pattern of " + regex.length() + " characters; at most "
                    + MAX_LENGTH + " are accepted");
        }
        try {
            return new BoundedRegex(Pattern.compile(regex), what);
        } catch (PatternSyntaxException e) {
            throw new ModelFormatException(what + " is not a valid regular expression: " + e.getDescription());
        }
    }

    /** Whether the whole of {@code text} matches. */
    boolean matches(String text) {
        try {
            long deadline = System.nanoTime() + MATCH_MILLIS * 1_000_000;
            return pattern.matcher(new DeadlineText(
                            text,
                            deadline,
                            () -> new ModelFormatException(what
                                    + " took more than " + MATCH_MILLIS + " ms to match '" + text
                                    + "'; simplify the pattern or list the modules")))
                    .matches();
        } catch (StackOverflowError e) {
            throw new ModelFormatException(what + " is too complex to match");
        }
    }
}
