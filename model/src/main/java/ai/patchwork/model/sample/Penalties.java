package ai.patchwork.model.sample;

import java.util.Map;

/**
 * Adjustments to a row's logits before a token is picked, as OpenAI and vLLM define them.
 *
 * <ul>
 *   <li>{@code logitBias}: added to the logit of each listed token id (OpenAI: -100 to 100; -100 bans a token, 100
 *       all but forces it).
 *   <li>{@code repetition}: vLLM's and Hugging Face's multiplicative penalty (Keskar et al. 2019) over every token of
 *       the prompt and the output so far: a positive logit is divided by it, a negative one multiplied; 1 is off.
 *   <li>{@code presence} and {@code frequency}: OpenAI's additive penalties over the output so far: {@code logit -=
 *       frequency * count + presence * (count > 0)}; 0 is off, negative values encourage repetition.
 * </ul>
 *
 * @param presence -2 to 2
 * @param frequency -2 to 2
 * @param repetition greater than 0 and at most 2
 * @param logitBias token id to bias, each in [-100, 100]
 */
public record Penalties(double presence, double frequency, double repetition, Map<Integer, Double> logitBias) {

    public static final Penalties NONE = new Penalties(0, 0, 1, Map.of());

    public Penalties {
        if (!(presence >= -2 && presence <= 2))
            throw new IllegalArgumentException("presence_penalty must be in [-2, 2]");
        if (!(frequency >= -2 && frequency <= 2)) {
            throw new IllegalArgumentException("frequency_penalty must be in [-2, 2]");
        }
        if (!(repetition > 0 && repetition <= 2)) {
            throw new IllegalArgumentException("repetition_penalty must be in (0, 2]");
        }
        logitBias = Map.copyOf(logitBias);
        for (var e : logitBias.entrySet()) {
            if (e.getKey() < 0) throw new IllegalArgumentException("logit_bias token ids must be >= 0");
            if (!(e.getValue() >= -100 && e.getValue() <= 100)) {
                throw new IllegalArgumentException("logit_bias values must be in [-100, 100]");
            }
        }
    }

    /** True when nothing is adjusted, so the logits can be read as they are. */
    public boolean none() {
        return presence == 0 && frequency == 0 && repetition == 1 && logitBias.isEmpty();
    }

    /** True when the prompt's tokens are needed ({@code repetition} covers them). */
    public boolean readsPrompt() {
        return repetition != 1;
    }
}
