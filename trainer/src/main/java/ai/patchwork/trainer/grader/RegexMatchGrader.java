package ai.patchwork.trainer.grader;

import ai.patchwork.model.regex.DeadlineText;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Patchwork's {@code regex_match}: 1 when the Java regular expression {@code pattern} is <em>found</em> anywhere in
 * the rendered {@code input} ({@link java.util.regex.Matcher#find()} semantics; anchor it with {@code ^...$} to
 * require the whole text), else 0. {@code input} defaults to {@code {{sample.output_text}}}; {@code pattern} is not
 * a template (so that it compiles once, when the grader is parsed, and an invalid one is a 400). {@code flags}: any
 * of {@code i} (ignore case, Unicode-aware), {@code m} (^ and $ at line breaks), {@code s} (. matches line breaks),
 * {@code x} (whitespace and # comments in the pattern). A match that takes longer than one second (catastrophic
 * backtracking) gives 0 with {@code other_error}.
 */
final class RegexMatchGrader extends BaseGrader {
    static final String TYPE = "regex_match";
    static final long TIME_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Template input;
    private final Pattern pattern;

    private RegexMatchGrader(String name, Template input, Pattern pattern, GraderFields f) {
        super(name, TYPE, f.json());
        this.input = input;
        this.pattern = pattern;
    }

    static Set<String> fields() {
        return Set.of("input", "pattern", "flags");
    }

    static RegexMatchGrader parse(GraderFields f) {
        String name = f.name();
        Template input = f.template("input", Graders.OUTPUT_TEXT);
        String regex = f.string("pattern", null);
        String flagText = f.string("flags", "");
        int flags = 0;
        for (char c : flagText.toCharArray()) {
            flags |= switch (c) {
                case 'i' -> Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;
                case 'm' -> Pattern.MULTILINE;
                case 's' -> Pattern.DOTALL;
                case 'x' -> Pattern.COMMENTS;
                default -> throw f.invalid("flags", "flags may hold i, m, s and x, got '" + c + "'");
            };
        }
        try {
            return new RegexMatchGrader(name, input, Pattern.compile(regex, flags), f);
        } catch (PatternSyntaxException e) {
            throw f.invalid(
                    "pattern",
                    "pattern is not a valid regular expression: " + e.getDescription() + " near index " + e.getIndex());
        }
    }

    @Override
    double score(GradeContext ctx) {
        DeadlineText text = new DeadlineText(
                input.render(ctx),
                System.nanoTime() + TIME_LIMIT_NANOS,
                () -> new IllegalStateException("regex_match ran out of time"));
        return pattern.matcher(text).find() ? 1 : 0;
    }
}
