package ai.patchwork.trainer.grader;

import java.util.List;
import java.util.Set;

/**
 * OpenAI's {@code text_similarity}: the similarity in [0, 1] of the rendered {@code input} (the sample) to the
 * rendered {@code reference} by {@code evaluation_metric}:
 *
 * <ul>
 *   <li>{@code fuzzy_match}: rapidfuzz's {@code fuzz.WRatio(input, reference)} / 100, no preprocessing
 *       ({@link FuzzyMatch});
 *   <li>{@code bleu}: sacrebleu's {@code sentence_bleu(input, [reference])} / 100: 13a tokenization, case-sensitive,
 *       up to 4-grams, brevity penalty, {@code exp} smoothing, effective order ({@link Bleu});
 *   <li>{@code rouge_1} ... {@code rouge_5}, {@code rouge_l}: the F-measure of Google's {@code rouge-score}
 *       {@code RougeScorer} without stemming: lowercase, tokens are runs of [a-z0-9] ({@link Rouge}).
 * </ul>
 *
 * {@code cosine} needs an embedding model and {@code gleu} and {@code meteor} are not implemented: they are refused
 * when the grader is parsed. {@code pass_threshold} (used by OpenAI's evals, not by fine-tuning) is accepted and kept
 * in the grader's JSON; the reward is the similarity itself, not thresholded.
 */
final class TextSimilarityGrader {
    static final String TYPE = "text_similarity";
    static final List<String> METRICS =
            List.of("fuzzy_match", "bleu", "rouge_1", "rouge_2", "rouge_3", "rouge_4", "rouge_5", "rouge_l");
    private static final List<String> UNSUPPORTED = List.of("cosine", "gleu", "meteor");

    private TextSimilarityGrader() {}

    static PairGrader parse(GraderFields f) {
        PairGrader.Pair pair = PairGrader.Pair.parse(f, null);
        String metric = f.string("evaluation_metric", null);
        if (UNSUPPORTED.contains(metric)) {
            throw f.invalid(
                    "evaluation_metric",
                    "evaluation_metric '" + metric + "' is not supported by Patchwork ("
                            + (metric.equals("cosine") ? "it needs an embedding model" : "it is not implemented")
                            + "); use one of "
                            + String.join(", ", METRICS));
        }
        if (!METRICS.contains(metric)) {
            throw f.invalid(
                    "evaluation_metric",
                    "evaluation_metric must be one of " + String.join(", ", METRICS) + ", got '" + metric + "'");
        }
        f.number("pass_threshold", null, 0);
        return new PairGrader(TYPE, pair, (in, ref, ctx) -> similarity(metric, in, ref));
    }

    static Set<String> fields() {
        return Set.of("input", "reference", "evaluation_metric", "pass_threshold");
    }

    static double similarity(String metric, String in, String ref) {
        double similarity = switch (metric) {
            case "fuzzy_match" -> FuzzyMatch.wRatio(in, ref) / 100;
            case "bleu" -> Bleu.sentenceBleu(in, ref) / 100;
            case "rouge_l" -> Rouge.rougeL(ref, in);
            default -> Rouge.rougeN(metric.charAt(metric.length() - 1) - '0', ref, in);
        };
        return Math.min(1, similarity); // sacrebleu's identical pair is 100.00000000000004
    }
}
