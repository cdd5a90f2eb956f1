package ai.patchwork.serving;

import ai.patchwork.model.sample.TokenLogprob;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of one request, for the non-streaming case.
 *
 * @param requestId the engine's id of the request
 * @param adapterId the adapter it ran with, or null for the base model
 * @param tokenIds generated ids, without a final stop id
 * @param text the generated text, cut before a stop string
 * @param finishReason why generation ended
 * @param usage prompt and completion tokens
 * @param logprobs one entry per id of {@code tokenIds} when the request asked for logprobs; else null
 */
public record Completion(
        long requestId,
        String adapterId,
        int[] tokenIds,
        String text,
        FinishReason finishReason,
        Usage usage,
        List<TokenLogprob> logprobs) {

    public Completion {
        tokenIds = tokenIds.clone();
        if (text == null || finishReason == null || usage == null) {
            throw new IllegalArgumentException("text, finishReason and usage are required");
        }
        if (logprobs != null) {
            logprobs = List.copyOf(logprobs);
            if (logprobs.size() != tokenIds.length) throw new IllegalArgumentException("one logprob per token id");
        }
    }

    /** Without logprobs. */
    public Completion(
            long requestId, String adapterId, int[] tokenIds, String text, FinishReason finishReason, Usage usage) {
        this(requestId, adapterId, tokenIds, text, finishReason, usage, null);
    }

    @Override
    public int[] tokenIds() {
        return tokenIds.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Completion c
                && requestId == c.requestId
                && Objects.equals(adapterId, c.adapterId)
                && Arrays.equals(tokenIds, c.tokenIds)
                && text.equals(c.text)
                && finishReason == c.finishReason
                && usage.equals(c.usage)
                && Objects.equals(logprobs, c.logprobs);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(requestId) * 31 + Arrays.hashCode(tokenIds);
    }

    @Override
    public String toString() {
        return "Completion[" + requestId + ", adapter=" + adapterId + ", tokens=" + Arrays.toString(tokenIds) + ", "
                + finishReason.openAiName() + ", " + usage + "]";
    }
}
