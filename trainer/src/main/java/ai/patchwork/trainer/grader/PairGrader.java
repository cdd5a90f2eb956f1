package ai.patchwork.trainer.grader;

/**
 * A grader that renders two templates, the sample's {@code input} and a {@code reference}, and scores the pair:
 * {@code string_check}, {@code text_similarity} and {@code numeric_check} differ only in {@link #compare}.
 */
abstract class PairGrader extends BaseGrader {
  private final Template input;
  private final Template reference;

  PairGrader(String name, String type, Template input, Template reference, GraderFields f) {
    super(name, type, f.json());
    this.input = input;
    this.reference = reference;
  }

  @Override
  final double score(GradeContext ctx) {
    return compare(input.render(ctx), reference.render(ctx), ctx);
  }

  /** The reward of {@code input} against {@code reference}; may flag recoverable problems in {@code ctx}. */
  abstract double compare(String input, String reference, GradeContext ctx);
}
