package ai.patchwork.trainer.grader;

/**
 * A grader that renders two templates, the sample's {@code input} and a {@code reference}, and scores the pair with
 * a {@link Comparison}: {@code string_check}, {@code text_similarity} and {@code numeric_check} are this grader with
 * the comparison and the options their {@code parse} reads beside the {@link Pair}.
 */
final class PairGrader extends BaseGrader {

    /** The reward of {@code input} against {@code reference}; may flag recoverable problems in {@code ctx}. */
    interface Comparison {
        double compare(String input, String reference, GradeContext ctx);
    }

    /**
     * The fields every pair grader has, parsed in this order so that the first bad one is reported.
     *
     * @param fields the grader's JSON, for its other options and its canonical form
     */
    record Pair(String name, Template input, Template reference, GraderFields fields) {
        /** @param inputDefault the {@code input} template when the field is absent; null makes it required */
        static Pair parse(GraderFields f, String inputDefault) {
            String name = f.name();
            return new Pair(name, f.template("input", inputDefault), f.template("reference", null), f);
        }
    }

    private final Pair pair;
    private final Comparison comparison;

    PairGrader(String type, Pair pair, Comparison comparison) {
        super(pair.name(), type, pair.fields().json());
        this.pair = pair;
        this.comparison = comparison;
    }

    @Override
    double score(GradeContext ctx) {
        return comparison.compare(pair.input().render(ctx), pair.reference().render(ctx), ctx);
    }
}
