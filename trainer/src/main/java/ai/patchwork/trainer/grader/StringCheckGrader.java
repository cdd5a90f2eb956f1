package ai.patchwork.trainer.grader;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * OpenAI's {@code string_check}: 1 when the rendered {@code input} and {@code reference} pass {@code operation},
 * else 0. {@code eq}: equal (case-sensitive); {@code ne}: not equal; {@code like}: the input contains the reference
 * (case-sensitive); {@code ilike}: contains, ignoring case. Nothing is trimmed.
 */
final class StringCheckGrader extends PairGrader {
  static final String TYPE = "string_check";

  private final String operation;

  private StringCheckGrader(String name, Template input, Template reference, String operation, GraderFields f) {
    super(name, TYPE, input, reference, f);
    this.operation = operation;
  }

  static StringCheckGrader parse(GraderFields f) {
    String name = f.name();
    Template input = f.template("input", null);
    Template reference = f.template("reference", null);
    String operation = f.oneOf("operation", List.of("eq", "ne", "like", "ilike"), null);
    return new StringCheckGrader(name, input, reference, operation, f);
  }

  static Set<String> fields() {
    return Set.of("input", "reference", "operation");
  }

  @Override
  double compare(String in, String ref, GradeContext ctx) {
    boolean pass = switch (operation) {
      case "eq" -> in.equals(ref);
      case "ne" -> !in.equals(ref);
      case "like" -> in.contains(ref);
      case "ilike" -> in.toLowerCase(Locale.ROOT).contains(ref.toLowerCase(Locale.ROOT));
      default -> throw new IllegalStateException(operation);
    };
    return pass ? 1 : 0;
  }
}
