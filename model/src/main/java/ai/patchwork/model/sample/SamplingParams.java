package ai.patchwork.model.sample;

import java.util.List;
import java.util.Set;

/**
 * How to pick tokens and when to stop, per sequence (the OpenAI request fields).
 *
 * @param temperature 0 is greedy (lowest id wins ties)
 * @param topP nucleus mass in (0, 1]
 * @param topK 0 for no limit
 * @param seed seed of this sequence's random stream
 * @param maxTokens tokens to generate at most
 * @param stopIds token ids that end the sequence (the stop id itself is not part of the text)
 * @param stopStrings strings that end the sequence; the text is cut before them
 */
public record SamplingParams(
    double temperature, double topP, int topK, long seed, int maxTokens, Set<Integer> stopIds, List<String> stopStrings) {

  public SamplingParams {
    if (!(temperature >= 0) || temperature > 100) throw new IllegalArgumentException("temperature must be in [0, 100]");
    if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p must be in (0, 1]");
    if (topK < 0) throw new IllegalArgumentException("top_k must be >= 0");
    if (maxTokens < 0) throw new IllegalArgumentException("max_tokens must be >= 0");
    stopIds = Set.copyOf(stopIds);
    stopStrings = List.copyOf(stopStrings);
    for (String s : stopStrings) if (s.isEmpty()) throw new IllegalArgumentException("stop strings must not be empty");
  }

  public static SamplingParams greedy(int maxTokens) {
    return new SamplingParams(0, 1, 0, 0, maxTokens, Set.of(), List.of());
  }

  public SamplingParams withStopIds(Set<Integer> ids) {
    return new SamplingParams(temperature, topP, topK, seed, maxTokens, ids, stopStrings);
  }

  public boolean greedy() {
    return temperature == 0;
  }
}
