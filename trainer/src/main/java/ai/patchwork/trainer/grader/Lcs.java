package ai.patchwork.trainer.grader;

import java.util.HashMap;
import java.util.Map;

/**
 * Length of the longest common subsequence of a fixed sequence of ints (code points, or token ids) and others, by the
 * bit-parallel algorithm rapidfuzz uses for its Indel distance (Hyyrö 2004): one pass over the other sequence with
 * {@code ceil(n / 64)} words of state, so sliding a window over a long text (fuzzy partial ratios) stays cheap.
 * Immutable once built, so one instance may be shared.
 */
final class Lcs {
    private final int length;
    private final int words;
    private final Map<Integer, long[]> masks = new HashMap<>();

    /** Prepares {@code pattern}: for each value, the bit set of the positions where it occurs. */
    Lcs(int[] pattern) {
        this.length = pattern.length;
        this.words = Math.max(1, (pattern.length + 63) / 64);
        for (int i = 0; i < pattern.length; i++) {
            masks.computeIfAbsent(pattern[i], k -> new long[words])[i / 64] |= 1L << (i % 64);
        }
    }

    /** The LCS length of the pattern and {@code text[from, to)}. */
    int length(int[] text, int from, int to) {
        BoundedGrader.checkCancelled(); // one check per comparison bounds how long a cancelled grade runs on
        if (length == 0 || from >= to) return 0;
        long[] s = new long[words];
        java.util.Arrays.fill(s, -1L);
        for (int j = from; j < to; j++) {
            long[] match = masks.get(text[j]);
            if (match == null) continue; // no position can match: S is unchanged
            long carry = 0;
            for (int w = 0; w < words; w++) {
                long sv = s[w];
                long u = sv & match[w];
                long sum = sv + carry;
                long carry1 = Long.compareUnsigned(sum, sv) < 0 ? 1 : 0;
                sum += u;
                long carry2 = Long.compareUnsigned(sum, u) < 0 ? 1 : 0;
                carry = carry1 | carry2;
                s[w] = sum | (sv - u);
            }
        }
        int lcs = 0;
        for (int w = 0; w < words; w++) {
            long valid = w == words - 1 && length % 64 != 0 ? (1L << (length % 64)) - 1 : -1L;
            lcs += Long.bitCount(~s[w] & valid);
        }
        return lcs;
    }

    /** The LCS length of {@code a} and {@code b}. */
    static int of(int[] a, int[] b) {
        return a.length <= b.length ? new Lcs(a).length(b, 0, b.length) : new Lcs(b).length(a, 0, a.length);
    }
}
