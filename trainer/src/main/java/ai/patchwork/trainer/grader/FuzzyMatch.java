package ai.patchwork.trainer.grader;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * rapidfuzz's {@code fuzz.WRatio} (rapidfuzz 3.x, {@code processor=None}: no lowercasing or punctuation stripping),
 * which OpenAI's {@code fuzzy_match} metric is documented to use, on a 0–100 scale. A port of rapidfuzz's pure-Python
 * fallback {@code fuzz_py.py}; strings are compared by Unicode code point, tokens are split on whitespace as Python's
 * {@code str.split()} does, and sorted by code point. The score cut-offs rapidfuzz passes between its ratios only
 * skip work that cannot change the result, so they are left out.
 *
 * <p>{@code ratio} is the normalized Indel similarity {@code 1 - (|a| + |b| - 2 LCS) / (|a| + |b|)}; WRatio takes it
 * and, for strings of similar length, token sort/set ratios scaled by 0.95, or, when one is at least 1.5 times longer
 * than the other, the best-aligned substring ({@code partial_ratio}) and partial token ratio scaled by 0.9 (0.6 past
 * a length ratio of 8).
 */
final class FuzzyMatch {
    private static final double UNBASE_SCALE = 0.95;

    private FuzzyMatch() {}

    /** {@code fuzz.WRatio(s1, s2)}: 0 when either is empty. */
    static double wRatio(String s1, String s2) {
        int[] a = s1.codePoints().toArray();
        int[] b = s2.codePoints().toArray();
        if (a.length == 0 || b.length == 0) return 0;
        double lenRatio = a.length > b.length ? (double) a.length / b.length : (double) b.length / a.length;
        double end = ratio(a, b);
        if (lenRatio < 1.5) return Math.max(end, tokenRatio(a, b) * UNBASE_SCALE);
        double partialScale = lenRatio <= 8.0 ? 0.9 : 0.6;
        end = Math.max(end, partialRatio(a, b) * partialScale);
        return Math.max(end, partialTokenRatio(a, b) * UNBASE_SCALE * partialScale);
    }

    /** {@code fuzz.ratio}: normalized Indel similarity × 100; 100 for two empty strings. */
    static double ratio(int[] a, int[] b) {
        return similarity(a.length, b.length, Lcs.of(a, b)) * 100;
    }

    private static double similarity(int len1, int len2, int lcs) {
        int sum = len1 + len2;
        if (sum == 0) return 1;
        return 1 - (double) (sum - 2 * lcs) / sum;
    }

    /** {@code fuzz.partial_ratio}: the best ratio of the shorter string against windows of the longer one. */
    static double partialRatio(int[] s1, int[] s2) {
        if (s1.length == 0 && s2.length == 0) return 100;
        if (s1.length == 0 || s2.length == 0) return 0;
        int[] shorter = s1.length <= s2.length ? s1 : s2;
        int[] longer = s1.length <= s2.length ? s2 : s1;
        double best = partialRatioImpl(shorter, longer);
        if (best != 100 && s1.length == s2.length) best = Math.max(best, partialRatioImpl(longer, shorter));
        return best;
    }

    /** rapidfuzz's {@code _partial_ratio_impl}, {@code s1} no longer than {@code s2}. */
    private static double partialRatioImpl(int[] s1, int[] s2) {
        Set<Integer> chars = new HashSet<>();
        for (int c : s1) chars.add(c);
        Lcs lcs = new Lcs(s1);
        int len1 = s1.length;
        int len2 = s2.length;
        double best = 0;
        for (int i = 1; i < len1; i++) { // prefixes of s2 shorter than s1
            if (!chars.contains(s2[i - 1])) continue;
            best = Math.max(best, similarity(len1, i, lcs.length(s2, 0, i)));
            if (best == 1) return 100;
        }
        for (int i = 0; i < len2 - len1; i++) { // windows of s1's length
            if (!chars.contains(s2[i + len1 - 1])) continue;
            best = Math.max(best, similarity(len1, len1, lcs.length(s2, i, i + len1)));
            if (best == 1) return 100;
        }
        for (int i = len2 - len1; i < len2; i++) { // suffixes of s2
            if (!chars.contains(s2[i])) continue;
            best = Math.max(best, similarity(len1, len2 - i, lcs.length(s2, i, len2)));
            if (best == 1) return 100;
        }
        return best * 100;
    }

    /** {@code fuzz.token_ratio}: the better of token set and token sort ratio. */
    static double tokenRatio(int[] a, int[] b) {
        return Math.max(tokenSetRatio(a, b), ratio(joinSorted(split(a)), joinSorted(split(b))));
    }

    /** {@code fuzz.token_set_ratio}. */
    static double tokenSetRatio(int[] a, int[] b) {
        Set<String> tokensA = new HashSet<>(split(a));
        Set<String> tokensB = new HashSet<>(split(b));
        if (tokensA.isEmpty() || tokensB.isEmpty()) return 0;
        Set<String> intersect = new HashSet<>(tokensA);
        intersect.retainAll(tokensB);
        Set<String> diffAb = new HashSet<>(tokensA);
        diffAb.removeAll(tokensB);
        Set<String> diffBa = new HashSet<>(tokensB);
        diffBa.removeAll(tokensA);
        if (!intersect.isEmpty() && (diffAb.isEmpty() || diffBa.isEmpty())) return 100;
        int[] ab = joinSorted(diffAb);
        int[] ba = joinSorted(diffBa);
        int sectLen = joinSorted(intersect).length;
        int sep = sectLen != 0 ? 1 : 0;
        int sectAbLen = sectLen + sep + ab.length;
        int sectBaLen = sectLen + sep + ba.length;
        int dist = ab.length + ba.length - 2 * Lcs.of(ab, ba);
        double result = normDistance(dist, sectAbLen + sectBaLen);
        if (sectLen == 0) return result;
        double sectAb = normDistance(sep + ab.length, sectLen + sectAbLen);
        double sectBa = normDistance(sep + ba.length, sectLen + sectBaLen);
        return Math.max(result, Math.max(sectAb, sectBa));
    }

    /** {@code fuzz.partial_token_ratio}. */
    static double partialTokenRatio(int[] a, int[] b) {
        List<String> splitA = split(a);
        List<String> splitB = split(b);
        Set<String> tokensA = new HashSet<>(splitA);
        Set<String> tokensB = new HashSet<>(splitB);
        for (String t : tokensA) if (tokensB.contains(t)) return 100;
        double result = partialRatio(joinSorted(splitA), joinSorted(splitB));
        // with no common token the differences are the token sets: only duplicates make them differ from the splits
        if (splitA.size() == tokensA.size() && splitB.size() == tokensB.size()) return result;
        return Math.max(result, partialRatio(joinSorted(tokensA), joinSorted(tokensB)));
    }

    private static double normDistance(int dist, int lenSum) {
        return lenSum == 0 ? 100 : 100 - 100.0 * dist / lenSum;
    }

    /** Python's {@code str.split()}: runs of non-whitespace. */
    static List<String> split(int[] s) {
        List<String> tokens = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= s.length; i++) {
            boolean space = i == s.length || isPythonSpace(s[i]);
            if (space && start >= 0) {
                tokens.add(new String(s, start, i - start));
                start = -1;
            } else if (!space && start < 0) {
                start = i;
            }
        }
        return tokens;
    }

    /** Python's {@code str.isspace()} for one code point. */
    static boolean isPythonSpace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85;
    }

    /** The tokens sorted by code point and joined with single spaces, as code points. */
    private static int[] joinSorted(java.util.Collection<String> tokens) {
        List<int[]> sorted = new ArrayList<>();
        for (String t : tokens) sorted.add(t.codePoints().toArray());
        sorted.sort(Arrays::compare);
        List<Integer> out = new ArrayList<>();
        for (int[] t : sorted) {
            if (!out.isEmpty()) out.add((int) ' ');
            for (int c : t) out.add(c);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
