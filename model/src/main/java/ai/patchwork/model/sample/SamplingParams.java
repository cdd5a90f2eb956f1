package ai.patchwork.model.sample;

import java.util.List;
import java.util.Set;

/**
 * How to pick tokens and when to stop, per sequence (the OpenAI request fields, and vLLM's {@code top_k},
 * {@code min_p} and {@code repetition_penalty}).
 *
 * @param temperature 0 is greedy (lowest id wins ties)
 * @param topP nucleus mass in (0, 1]
 * @param topK 0 for no limit
 * @param minP 0 for off; otherwise tokens whose probability is below {@code minP} times the most likely token's are
 *     dropped (Nguyen et al. 2024), in [0, 1]
 * @param seed seed of this sequence's random stream
 * @param maxTokens tokens to generate at most
 * @param stopIds token ids that end the sequence (the stop id itself is not part of the text)
 * @param stopStrings strings that end the sequence; the text is cut before them
 * @param penalties logit bias and repetition penalties, applied before the token is picked
 */
public record SamplingParams(
        double temperature,
        double topP,
        int topK,
        double minP,
        long seed,
        int maxTokens,
        Set<Integer> stopIds,
        List<String> stopStrings,
        Penalties penalties) {

    public SamplingParams {
        if (!(temperature >= 0) || temperature > 100)
            throw new IllegalArgumentException("temperature must be in [0, 100]");
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p must be in (0, 1]");
        if (topK < 0) throw new IllegalArgumentException("top_k must be >= 0");
        if (!(minP >= 0 && minP <= 1)) throw new IllegalArgumentException("min_p must be in [0, 1]");
        if (maxTokens < 0) throw new IllegalArgumentException("max_tokens must be >= 0");
        if (penalties == null) throw new IllegalArgumentException("penalties are required (Penalties.NONE for none)");
        stopIds = Set.copyOf(stopIds);
        stopStrings = List.copyOf(stopStrings);
        for (String s : stopStrings)
            if (s.isEmpty()) throw new IllegalArgumentException("stop strings must not be empty");
    }

    /** Without min_p and penalties. */
    public SamplingParams(
            double temperature,
            double topP,
            int topK,
            long seed,
            int maxTokens,
            Set<Integer> stopIds,
            List<String> stopStrings) {
        this(temperature, topP, topK, 0, seed, maxTokens, stopIds, stopStrings, Penalties.NONE);
    }

    public static SamplingParams greedy(int maxTokens) {
        return new SamplingParams(0, 1, 0, 0, maxTokens, Set.of(), List.of());
    }

    public SamplingParams withStopIds(Set<Integer> ids) {
        return new SamplingParams(temperature, topP, topK, minP, seed, maxTokens, ids, stopStrings, penalties);
    }

    /** The same parameters with another seed (the choices of an {@code n > 1} request use seed, seed + 1, …). */
    public SamplingParams withSeed(long newSeed) {
        return new SamplingParams(temperature, topP, topK, minP, newSeed, maxTokens, stopIds, stopStrings, penalties);
    }

    public boolean greedy() {
        return temperature == 0;
    }
}
