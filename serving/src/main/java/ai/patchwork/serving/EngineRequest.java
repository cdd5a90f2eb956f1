package ai.patchwork.serving;

import ai.patchwork.model.grammar.Grammar;
import ai.patchwork.model.sample.SamplingParams;
import ai.patchwork.model.sample.TokenLogprob;
import java.util.Arrays;
import java.util.Objects;

/**
 * One generation to run: already-tokenised prompt (the API applies the chat template), the adapter, and how to
 * sample and stop.
 *
 * @param promptIds the prompt, at least one token
 * @param adapterId the adapter to apply, or null for the base model; resolved by the engine's {@link AdapterSource}
 * @param sampling temperature, top_p, top_k, seed, max_tokens, extra stop ids and stop strings
 * @param ignoreEos when false (the default), the tokenizer's EOS ids also stop generation
 * @param logprobs -1 for none; otherwise each generated token's log-probability is reported with this many
 *     alternatives (0 to {@link TokenLogprob#MAX_TOP})
 * @param grammar null, or what the completion must be (structured outputs): each step's logits are masked to the
 *     tokens it allows, and the sequence stops when the value is complete
 */
public record EngineRequest(
        int[] promptIds, String adapterId, SamplingParams sampling, boolean ignoreEos, int logprobs, Grammar grammar) {

    public EngineRequest {
        if (promptIds == null || promptIds.length == 0)
            throw new IllegalArgumentException("the prompt must have at least one token");
        if (sampling == null) throw new IllegalArgumentException("sampling parameters are required");
        if (adapterId != null && adapterId.isBlank())
            throw new IllegalArgumentException("adapterId must not be blank (use null for the base model)");
        if (logprobs < -1 || logprobs > TokenLogprob.MAX_TOP) {
            throw new IllegalArgumentException("logprobs must be -1 (none) or in [0, " + TokenLogprob.MAX_TOP + "]");
        }
        promptIds = promptIds.clone();
        for (int id : promptIds) if (id < 0) throw new IllegalArgumentException("token ids must be >= 0, got " + id);
    }

    /** Without logprobs. */
    public EngineRequest(int[] promptIds, String adapterId, SamplingParams sampling, boolean ignoreEos) {
        this(promptIds, adapterId, sampling, ignoreEos, -1, null);
    }

    /** Unconstrained. */
    public EngineRequest(int[] promptIds, String adapterId, SamplingParams sampling, boolean ignoreEos, int logprobs) {
        this(promptIds, adapterId, sampling, ignoreEos, logprobs, null);
    }

    /** A request that stops at EOS. */
    public static EngineRequest of(int[] promptIds, String adapterId, SamplingParams sampling) {
        return new EngineRequest(promptIds, adapterId, sampling, false);
    }

    @Override
    public int[] promptIds() {
        return promptIds.clone();
    }

    int promptLength() {
        return promptIds.length;
    }

    int promptId(int i) {
        return promptIds[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EngineRequest r
                && Arrays.equals(promptIds, r.promptIds)
                && Objects.equals(adapterId, r.adapterId)
                && sampling.equals(r.sampling)
                && ignoreEos == r.ignoreEos
                && logprobs == r.logprobs
                && grammar == r.grammar;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(promptIds) * 31 + sampling.hashCode();
    }

    @Override
    public String toString() {
        return "EngineRequest[" + promptIds.length + " prompt tokens, adapter=" + adapterId + ", " + sampling
                + ", ignoreEos=" + ignoreEos + ", logprobs=" + logprobs
                + (grammar == null ? "" : ", constrained") + "]";
    }
}
