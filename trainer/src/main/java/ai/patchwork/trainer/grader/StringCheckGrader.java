package ai.patchwork.trainer.grader;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * OpenAI's {@code string_check}: 1 when the rendered {@code input} and {@code reference} pass {@code operation},
 * else 0. {@code eq}: equal (case-sensitive); {@code ne}: not equal; {@code like}: the input contains the reference
 * (case-sensitive); {@code ilike}: contains, ignoring case. Nothing is trimmed.
 */
final class StringCheckGrader {
    static final String TYPE = "string_check";

    private StringCheckGrader() {}

    static PairGrader parse(GraderFields f) {
        PairGrader.Pair pair = PairGrader.Pair.parse(f, null);
        String operation = f.oneOf("operation", List.of("eq", "ne", "like", "ilike"), null);
        return new PairGrader(TYPE, pair, (in, ref, ctx) -> pass(operation, in, ref) ? 1 : 0);
    }

    static Set<String> fields() {
        return Set.of("input", "reference", "operation");
    }

    static boolean pass(String operation, String in, String ref) {
        return switch (operation) {
            case "eq" -> in.equals(ref);
            case "ne" -> !in.equals(ref);
            case "like" -> in.contains(ref);
            case "ilike" -> in.toLowerCase(Locale.ROOT).contains(ref.toLowerCase(Locale.ROOT));
            default -> throw new IllegalStateException(operation);
        };
    }
}
