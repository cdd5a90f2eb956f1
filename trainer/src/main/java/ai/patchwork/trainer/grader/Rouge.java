package ai.patchwork.trainer.grader;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * ROUGE F-measures as Google's {@code rouge-score} package computes them ({@code RougeScorer([...],
 * use_stemmer=False).score(target, prediction)[...].fmeasure}): text lowercased, every run of characters outside
 * [a-z0-9] a separator (so non-ASCII letters are dropped, as there), ROUGE-N from clipped n-gram overlap, ROUGE-L
 * from the longest common subsequence of the token lists; F = 2PR / (P + R), 0 when P + R is 0.
 */
final class Rouge {
    private static final Pattern NON_ALPHANUMERIC = Pattern.compile("[^a-z0-9]+");

    private Rouge() {}

    /** rouge-score's {@code tokenize.tokenize(text, stemmer=None)}. */
    static List<String> tokenize(String text) {
        String cleaned = NON_ALPHANUMERIC.matcher(text.toLowerCase(Locale.ROOT)).replaceAll(" ");
        List<String> tokens = new ArrayList<>();
        for (String t : cleaned.split(" ")) if (!t.isEmpty()) tokens.add(t);
        return tokens;
    }

    /** ROUGE-N F-measure of {@code prediction} against {@code target}. */
    static double rougeN(int n, String target, String prediction) {
        Map<List<String>, Integer> targetGrams = ngrams(tokenize(target), n);
        Map<List<String>, Integer> predictionGrams = ngrams(tokenize(prediction), n);
        int overlap = 0;
        for (Map.Entry<List<String>, Integer> e : targetGrams.entrySet()) {
            overlap += Math.min(e.getValue(), predictionGrams.getOrDefault(e.getKey(), 0));
        }
        int targetCount =
                targetGrams.values().stream().mapToInt(Integer::intValue).sum();
        int predictionCount =
                predictionGrams.values().stream().mapToInt(Integer::intValue).sum();
        double precision = (double) overlap / Math.max(predictionCount, 1);
        double recall = (double) overlap / Math.max(targetCount, 1);
        return fmeasure(precision, recall);
    }

    /** ROUGE-L F-measure of {@code prediction} against {@code target}. */
    static double rougeL(String target, String prediction) {
        List<String> t = tokenize(target);
        List<String> p = tokenize(prediction);
        if (t.isEmpty() || p.isEmpty()) return 0;
        Map<String, Integer> ids = new HashMap<>();
        int[] tIds = t.stream()
                .mapToInt(s -> ids.computeIfAbsent(s, k -> ids.size()))
                .toArray();
        int[] pIds = p.stream()
                .mapToInt(s -> ids.computeIfAbsent(s, k -> ids.size()))
                .toArray();
        int lcs = Lcs.of(tIds, pIds);
        return fmeasure((double) lcs / p.size(), (double) lcs / t.size());
    }

    private static double fmeasure(double precision, double recall) {
        return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
    }

    private static Map<List<String>, Integer> ngrams(List<String> tokens, int n) {
        Map<List<String>, Integer> counts = new HashMap<>();
        for (int i = 0; i + n <= tokens.size(); i++)
            counts.merge(List.copyOf(tokens.subList(i, i + n)), 1, Integer::sum);
        return counts;
    }
}
