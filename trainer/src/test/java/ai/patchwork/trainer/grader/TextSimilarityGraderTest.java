package ai.patchwork.trainer.grader;

import static ai.patchwork.trainer.grader.GraderTesting.grade;
import static ai.patchwork.trainer.grader.GraderTesting.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * text_similarity on pairs whose values are worked out by hand below from the definitions of rapidfuzz's WRatio,
 * sacrebleu's sentence_bleu and rouge-score's F-measures (and agree with those packages: rapidfuzz 3.14.6, sacrebleu
 * 2.6.0, and rouge-score's algorithm re-run in Python, on these and on thousands of random pairs).
 */
class TextSimilarityGraderTest {

    static double similarity(String metric, String input, String reference) {
        String grader = """
        {"type": "text_similarity", "name": "sim", "evaluation_metric": "%s",
         "input": "{{ sample.output_text }}", "reference": "{{ item.reference }}"}""".formatted(metric);
        ObjectNode item = JsonNodeFactory.instance.objectNode().put("reference", reference);
        return GraderTesting.grader(grader).grade(item, input).reward();
    }

    @ParameterizedTest(name = "{0} vs {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                // Lengths 15 and 14, LCS 14: ratio = 1 - (29 - 28)/29 = 0.96552 (rapidfuzz's own ratio example). The
                // lengths
                // are within 1.5x, so WRatio = max(ratio, 0.95 * token ratio); token set: {this,is,a} shared, "test" vs
                // "test!" -> 1 - 1/29 again; token sort "a is test this" vs "a is test! this" -> the same 28/29. 0.95 *
                // that
                // is smaller, so 28/29.
                "this is a test!      | this is a test | 0.9655172413793104",
                // 20 vs 5 characters (ratio 4 >= 1.5): ratio = 1 - (25 - 10)/25 = 0.4; "Paris" occurs in the input, so
                // partial_ratio = 100, scaled by 0.9 -> 0.9; no token is shared ("Paris." != "Paris"), partial token
                // ratio
                // of the sorted tokens "Paris. The answer is" vs "Paris" is 100 -> 0.95 * 0.9 = 0.855. Max: 0.9.
                "The answer is Paris. | Paris          | 0.9",
                // Same tokens, other order: token set ratio is 100 (no token left over) -> 0.95; ratio is LCS 5 of
                // 11+11.
                "world hello          | hello world    | 0.95",
                "exact                | exact          | 1.0",
                // Either side empty: rapidfuzz's WRatio is 0.
                "''                   | something      | 0.0"
            })
    void fuzzyMatchIsRapidfuzzWRatio(String input, String reference, double expected) {
        assertEquals(expected, similarity("fuzzy_match", input, reference), 1e-12);
    }

    @ParameterizedTest(name = "{0} vs {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                // Identical: every precision 100 %, no brevity penalty (sacrebleu gives 100.00000000000004; clipped to
                // 1).
                "the cat sat on the mat | the cat sat on the mat | 1.0",
                // 1-grams 5/6 ("the" clipped to its one use in the reference), 2-grams 3/5 (the cat, cat sat, sat on),
                // 3-grams 2/4, 4-grams 1/3; equal lengths so BP = 1: (5/6 * 3/5 * 1/2 * 1/3)^(1/4) = (1/12)^(1/4).
                "the cat sat on the mat | the cat sat on a mat   | 0.537284965911771",
                // Two tokens: 1-grams 2/2, 2-grams 1/1, no 3-grams (effective order 2) -> mean 1; BP = exp(1 - 6/2) =
                // e^-2.
                "the cat                | the cat sat on the mat | 0.1353352832366127",
                // 1-grams 4/4, 2-grams 2/3 (the mat, sat on), 3-grams 0/2 -> exp smoothing 1/(2*2), 4-grams 0/1 ->
                // 1/(4*1):
                // (1 * 2/3 * 1/4 * 1/4)^(1/4) = (1/24)^(1/4) = 0.451801; BP = exp(1 - 6/4) = 0.606531 -> 0.274031.
                "the mat sat on         | the cat sat on the mat | 0.27403115968356843",
                // 13a splits punctuation and BLEU is case-sensitive: "Hello , world !" vs "hello world": 1-grams 1/4,
                // 2-grams 0/3 -> 1/(2*3), 3-grams 0/2 -> 1/(4*2), 4-grams 0/1 -> 1/(8*1), BP 1:
                // (1/4 * 1/6 * 1/8 * 1/8)^(1/4) = (1/1536)^(1/4) = 0.159736.
                "'Hello, world!'        | hello world            | 0.1597357760615681",
                "''                     | x                      | 0.0"
            })
    void bleuIsSacrebleuSentenceBleu(String input, String reference, double expected) {
        assertEquals(expected, similarity("bleu", input, reference), 1e-12);
    }

    @ParameterizedTest(name = "{0}: {1} vs {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                // Tokens (lowercase, [a-z0-9] runs): the cat sat on the mat / the cat is on the mat. Unigram overlap:
                // the 2, cat, on, mat -> 5 of 6 each way: P = R = F = 5/6.
                "rouge_1 | the cat is on the mat | The cat sat on the mat. | 0.8333333333333334",
                // Bigrams: the cat, on the, the mat shared: 3 of 5 each way -> 0.6.
                "rouge_2 | the cat is on the mat | The cat sat on the mat. | 0.6",
                // Trigrams: "on the mat" only: 1 of 4 -> 0.25.
                "rouge_3 | the cat is on the mat | The cat sat on the mat. | 0.25",
                "rouge_4 | the cat is on the mat | The cat sat on the mat. | 0.0",
                "rouge_5 | a b c d e             | A, B, C, D, E!          | 1.0",
                // LCS "the cat on the mat" = 5 tokens: P = R = 5/6.
                "rouge_l | the cat is on the mat | The cat sat on the mat. | 0.8333333333333334",
                // Reversed: every unigram matches (rouge_1 = 1) but the longest common subsequence is 1 of 4 -> 0.25.
                "rouge_1 | d c b a               | a b c d                 | 1.0",
                "rouge_l | d c b a               | a b c d                 | 0.25",
                // Non-ASCII letters are separators, as in rouge-score: "naïve café" -> na ve caf; "naive cafe" shares
                // none.
                "rouge_1 | naïve café            | naive cafe              | 0.0"
            })
    void rougeIsRougeScoreFMeasure(String metric, String input, String reference, double expected) {
        assertEquals(expected, similarity(metric, input, reference), 1e-12);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cosine", "gleu", "meteor"})
    void metricsPatchworkCannotComputeAreRefusedNamingTheField(String metric) {
        refused(
                """
        {"type": "text_similarity", "name": "s", "input": "a", "reference": "b", "evaluation_metric": "%s"}""".formatted(metric),
                "method.reinforcement.grader.evaluation_metric",
                "evaluation_metric '" + metric + "' is not supported by Patchwork");
    }

    @ParameterizedTest
    @ValueSource(strings = {"jaccard", "ROUGE_L"})
    void unknownMetricsAreRefused(String metric) {
        refused(
                """
        {"type": "text_similarity", "name": "s", "input": "a", "reference": "b", "evaluation_metric": "%s"}""".formatted(metric),
                "method.reinforcement.grader.evaluation_metric",
                "must be one of fuzzy_match, bleu");
    }

    @Test
    void passThresholdIsAcceptedButTheRewardIsTheSimilarity() {
        Grade g = grade("""
        {"type": "text_similarity", "name": "s", "input": "{{sample.output_text}}", "reference": "hello world",
         "evaluation_metric": "rouge_1", "pass_threshold": 0.9}""", null, "hello there");
        // unigrams: hello shared, 1 of 2 each way -> 0.5, below the threshold but reported as is
        assertEquals(0.5, g.reward(), 1e-12);
        refused("""
        {"type": "text_similarity", "name": "s", "input": "a", "reference": "b", "evaluation_metric": "bleu",
         "pass_threshold": "high"}""", "method.reinforcement.grader.pass_threshold", "must be a number");
    }
}
