package ai.patchwork.trainer.grader;

import java.math.BigDecimal;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Patchwork's {@code numeric_check}: 1 when the <em>last number</em> in the rendered {@code input} (default
 * {@code {{sample.output_text}}}) is within tolerance of the last number in the rendered {@code reference}, else 0.
 * Within tolerance means {@code |x - ref| <= max(tolerance, relative_tolerance * |ref|)} (Python's
 * {@code math.isclose} with the tolerance relative to the reference), compared as exact decimals so that
 * {@code 0.3} equals {@code 0.30}; both tolerances default to 0.
 *
 * <p>A number is an optional sign, digits with optional thousands separators ({@code 1,234,567}), an optional
 * fraction and exponent: in "#### 1,234." it is 1234, in "$-3.5e2" -350, in "5-3" 3 (a sign right after a digit is a
 * dash). A sample with no number gives 0 (it is a wrong answer, not an error); a reference with no number gives 0
 * with {@code invalid_variable_error} (a constant reference without a number is refused at parse time).
 */
final class NumericCheckGrader {
    static final String TYPE = "numeric_check";
    private static final Pattern NUMBER = Pattern.compile(
            "(?<![0-9.])[-+]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|(?<![0-9])[-+]?\\.[0-9]+");

    private NumericCheckGrader() {}

    static Set<String> fields() {
        return Set.of("input", "reference", "tolerance", "relative_tolerance");
    }

    static PairGrader parse(GraderFields f) {
        PairGrader.Pair pair = PairGrader.Pair.parse(f, Graders.OUTPUT_TEXT);
        Template reference = pair.reference();
        if (reference.isConstant() && lastNumber(reference.source()) == null) {
            throw f.invalid("reference", "reference '" + reference.source() + "' holds no number");
        }
        BigDecimal tolerance = BigDecimal.valueOf(f.number("tolerance", 0.0, 0));
        BigDecimal relative = BigDecimal.valueOf(f.number("relative_tolerance", 0.0, 0));
        return new PairGrader(TYPE, pair, (in, ref, ctx) -> score(in, ref, tolerance, relative, ctx));
    }

    static double score(
            String input, String reference, BigDecimal tolerance, BigDecimal relativeTolerance, GradeContext ctx) {
        BigDecimal expected = lastNumber(reference);
        if (expected == null) {
            ctx.flag(Grade.INVALID_VARIABLE_ERROR);
            return 0;
        }
        BigDecimal actual = lastNumber(input);
        if (actual == null) return 0;
        BigDecimal allowed = tolerance.max(relativeTolerance.multiply(expected.abs()));
        return actual.subtract(expected).abs().compareTo(allowed) <= 0 ? 1 : 0;
    }

    /** The last number in {@code text} (see the class comment), or null. */
    static BigDecimal lastNumber(String text) {
        Matcher m = NUMBER.matcher(text);
        String last = null;
        while (m.find()) last = m.group();
        if (last == null) return null;
        try {
            return new BigDecimal(last.replace(",", "").replace("+", ""));
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }
}
