package ai.patchwork.trainer.grader;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Sentence BLEU exactly as sacrebleu 2.x computes {@code sentence_bleu(hypothesis, [reference])} with its defaults,
 * on a 0–100 scale: the {@code 13a} tokenizer (mteval-v13a: punctuation split off, periods and commas kept inside
 * numbers), case-sensitive, n-grams up to 4 with counts clipped by the reference, brevity penalty
 * {@code exp(1 - r/h)} when the hypothesis is shorter, {@code exp} smoothing (NIST / Chen &amp; Cherry method 3: the
 * k-th order without a match counts as {@code 1 / (2^k · total)}) and effective order (orders the hypothesis is too
 * short for are left out of the geometric mean). No match at all gives 0.
 */
final class Bleu {
    private static final int MAX_ORDER = 4;
    private static final Pattern PUNCTUATION = Pattern.compile("([{-~\\[-` -&(-+:-@/])");
    private static final Pattern PERIOD_COMMA_AFTER_NON_DIGIT = Pattern.compile("([^0-9])([.,])");
    private static final Pattern PERIOD_COMMA_BEFORE_NON_DIGIT = Pattern.compile("([.,])([^0-9])");
    private static final Pattern DASH_AFTER_DIGIT = Pattern.compile("([0-9])(-)");

    private Bleu() {}

    /** sacrebleu's {@code sentence_bleu(hypothesis, [reference]).score}. */
    static double sentenceBleu(String hypothesis, String reference) {
        List<String> hyp =
                FuzzyMatch.split(tokenize13a(rstrip(hypothesis)).codePoints().toArray());
        List<String> ref =
                FuzzyMatch.split(tokenize13a(rstrip(reference)).codePoints().toArray());
        Map<List<String>, Integer> refCounts = ngrams(ref);
        int[] correct = new int[MAX_ORDER];
        int[] total = new int[MAX_ORDER];
        for (Map.Entry<List<String>, Integer> e : ngrams(hyp).entrySet()) {
            int n = e.getKey().size() - 1;
            total[n] += e.getValue();
            correct[n] += Math.min(e.getValue(), refCounts.getOrDefault(e.getKey(), 0));
        }
        return score(correct, total, hyp.size(), ref.size());
    }

    /** sacrebleu's {@code BLEU.compute_bleu} with {@code smooth_method='exp'} and {@code effective_order=True}. */
    static double score(int[] correct, int[] total, int sysLen, int refLen) {
        double bp = 1.0;
        if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - (double) refLen / sysLen) : 0.0;
        boolean anyCorrect = false;
        for (int c : correct) anyCorrect |= c > 0;
        if (!anyCorrect) return 0;
        double[] precisions = new double[MAX_ORDER];
        double smooth = 1;
        int effectiveOrder = MAX_ORDER;
        for (int n = 1; n <= MAX_ORDER; n++) {
            if (total[n - 1] == 0) break;
            effectiveOrder = n;
            if (correct[n - 1] == 0) {
                smooth *= 2;
                precisions[n - 1] = 100.0 / (smooth * total[n - 1]);
            } else {
                precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1];
            }
        }
        double logSum = 0;
        for (int n = 0; n < effectiveOrder; n++) logSum += precisions[n] == 0 ? -9999999999.0 : Math.log(precisions[n]);
        return bp * Math.exp(logSum / effectiveOrder);
    }

    /** sacrebleu's {@code Tokenizer13a}: the tokens joined by single spaces. */
    static String tokenize13a(String line) {
        line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ");
        if (line.contains("&")) {
            line = line.replace("&quot;", "\"")
                    .replace("&amp;", "&")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">");
        }
        line = " " + line + " ";
        line = PUNCTUATION.matcher(line).replaceAll(" $1 ");
        line = PERIOD_COMMA_AFTER_NON_DIGIT.matcher(line).replaceAll("$1 $2 ");
        line = PERIOD_COMMA_BEFORE_NON_DIGIT.matcher(line).replaceAll(" $1 $2");
        line = DASH_AFTER_DIGIT.matcher(line).replaceAll("$1 $2 ");
        return String.join(" ", FuzzyMatch.split(line.codePoints().toArray()));
    }

    private static Map<List<String>, Integer> ngrams(List<String> tokens) {
        Map<List<String>, Integer> counts = new HashMap<>();
        for (int n = 1; n <= MAX_ORDER; n++) {
            for (int i = 0; i + n <= tokens.size(); i++)
                counts.merge(List.copyOf(tokens.subList(i, i + n)), 1, Integer::sum);
        }
        return counts;
    }

    /** Python's {@code str.rstrip()}. */
    private static String rstrip(String s) {
        int end = s.length();
        while (end > 0) {
            int c = s.codePointBefore(end);
            if (!FuzzyMatch.isPythonSpace(c)) break;
            end -= Character.charCount(c);
        }
        return s.substring(0, end);
    }
}
