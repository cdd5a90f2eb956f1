package ai.patchwork.model.sample;

import java.util.Arrays;

/**
 * The log-probability of a generated token and of the most likely alternatives at its position, under the model's
 * own distribution: log-softmax of the raw logits, before temperature, penalties or bias (OpenAI's convention).
 *
 * @param tokenId the generated token
 * @param logprob its log-probability
 * @param topIds the most likely tokens, most likely first (lowest id first on ties); may be empty
 * @param topLogprobs their log-probabilities, same order
 */
public record TokenLogprob(int tokenId, float logprob, int[] topIds, float[] topLogprobs) {

    /** OpenAI's limit on alternatives per position. */
    public static final int MAX_TOP = 20;

    public TokenLogprob {
        if (topIds.length != topLogprobs.length) throw new IllegalArgumentException("one logprob per top id");
        topIds = topIds.clone();
        topLogprobs = topLogprobs.clone();
    }

    /**
     * Computes the entry for the token picked from {@code logits}.
     *
     * @param top alternatives to list, 0 to {@link #MAX_TOP}
     */
    public static TokenLogprob of(float[] logits, int chosen, int top) {
        if (top < 0 || top > MAX_TOP) throw new IllegalArgumentException("top must be in [0, " + MAX_TOP + "]");
        double max = Double.NEGATIVE_INFINITY;
        for (float x : logits) max = Math.max(max, x);
        double sum = 0;
        for (float x : logits) sum += Math.exp(x - max);
        double logZ = max + Math.log(sum);
        int k = Math.min(top, logits.length);
        int[] ids = new int[k];
        int filled = 0;
        for (int i = 0; i < logits.length; i++) {
            // insertion into the k best so far; a later id never displaces an equal logit
            if (filled == k && (k == 0 || logits[i] <= logits[ids[k - 1]])) continue;
            int j = filled < k ? filled++ : k - 1;
            while (j > 0 && logits[ids[j - 1]] < logits[i]) {
                ids[j] = ids[j - 1];
                j--;
            }
            ids[j] = i;
        }
        float[] lps = new float[k];
        for (int i = 0; i < k; i++) lps[i] = (float) (logits[ids[i]] - logZ);
        return new TokenLogprob(chosen, (float) (logits[chosen] - logZ), ids, lps);
    }

    @Override
    public int[] topIds() {
        return topIds.clone();
    }

    @Override
    public float[] topLogprobs() {
        return topLogprobs.clone();
    }

    /** Alternatives listed. */
    public int topCount() {
        return topIds.length;
    }

    public int topId(int i) {
        return topIds[i];
    }

    public float topLogprob(int i) {
        return topLogprobs[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenLogprob t
                && tokenId == t.tokenId
                && Float.compare(logprob, t.logprob) == 0
                && Arrays.equals(topIds, t.topIds)
                && Arrays.equals(topLogprobs, t.topLogprobs);
    }

    @Override
    public int hashCode() {
        return tokenId * 31 + Float.hashCode(logprob);
    }

    @Override
    public String toString() {
        return "TokenLogprob[" + tokenId + ", " + logprob + ", top=" + Arrays.toString(topIds) + "]";
    }
}
