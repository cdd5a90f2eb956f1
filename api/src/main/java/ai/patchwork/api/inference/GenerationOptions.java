package ai.patchwork.api.inference;

import ai.patchwork.api.web.ApiException;
import ai.patchwork.model.grammar.Grammar;
import ai.patchwork.model.sample.Penalties;
import ai.patchwork.model.sample.SamplingParams;
import ai.patchwork.serving.EngineRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import tools.jackson.databind.JsonNode;

/**
 * A request's validated generation settings, with OpenAI's defaults (temperature 1, top_p 1, a random seed).
 *
 * @param maxTokens tokens to generate at most; null for the rest of the context
 * @param temperature 0 to 2; 0 is greedy
 * @param topP nucleus mass in (0, 1]
 * @param seed the sampler's seed: the same seed and request give the same tokens whatever else is batched with it
 * @param stop up to 4 strings that end the completion (not included in it)
 * @param stream whether to answer with server-sent events
 * @param includeUsage with {@code stream}: a last chunk carries the usage
 * @param ignoreEos keep generating past end-of-sequence tokens
 * @param returnTokenIds add token ids to each choice
 * @param topK vLLM's top_k; 0 for no limit
 * @param minP vLLM's min_p; 0 for off
 * @param penalties logit bias, presence, frequency and repetition penalties
 * @param logprobs -1 for none, else report each token's logprob with this many alternatives
 * @param n choices to generate; choice i samples with {@code seed + i}
 * @param grammar null, or what the output must be (structured outputs)
 */
record GenerationOptions(
        Integer maxTokens,
        double temperature,
        double topP,
        long seed,
        List<String> stop,
        boolean stream,
        boolean includeUsage,
        boolean ignoreEos,
        boolean returnTokenIds,
        int topK,
        double minP,
        Penalties penalties,
        int logprobs,
        int n,
        Grammar grammar) {

    static final int MAX_STOP = 4;
    /** OpenAI's limit on {@code logit_bias} entries. */
    static final int MAX_LOGIT_BIAS = 300;

    GenerationOptions {
        stop = List.copyOf(stop);
    }

    /**
     * Validates the shared fields.
     *
     * @param defaultMaxTokens when neither {@code max_tokens} nor {@code max_completion_tokens} is given; null for the
     *     rest of the context
     * @param logprobs the endpoint's logprobs setting, already validated ({@link LogprobsJson}): -1 for none
     * @throws ApiException 400 naming the field at fault
     */
    static GenerationOptions of(GenerationFields f, Integer defaultMaxTokens, int logprobs) {
        int n = f.n() == null ? 1 : f.n();
        if (n < 1) throw ApiException.badRequest("n", "invalid_value", "n must be at least 1, got " + n);
        Integer max = f.maxCompletionTokens() != null ? f.maxCompletionTokens() : f.maxTokens();
        String maxParam = f.maxCompletionTokens() != null ? "max_completion_tokens" : "max_tokens";
        if (max != null && max < 1)
            throw ApiException.badRequest(maxParam, "invalid_value", maxParam + " must be at least 1, got " + max);
        double temperature = f.temperature() == null ? 1.0 : f.temperature();
        if (!(temperature >= 0 && temperature <= 2)) {
            throw ApiException.badRequest(
                    "temperature", "invalid_value", "temperature must be between 0 and 2, got " + f.temperature());
        }
        double topP = f.topP() == null ? 1.0 : f.topP();
        if (!(topP > 0 && topP <= 1)) {
            throw ApiException.badRequest(
                    "top_p", "invalid_value", "top_p must be greater than 0 and at most 1, got " + f.topP());
        }
        boolean stream = Boolean.TRUE.equals(f.stream());
        if (f.streamOptions() != null && !stream) {
            throw ApiException.badRequest(
                    "stream_options", "invalid_value", "stream_options is only allowed when stream is true");
        }
        boolean includeUsage = stream
                && f.streamOptions() != null
                && Boolean.TRUE.equals(f.streamOptions().includeUsage());
        long seed = f.seed() != null ? f.seed() : ThreadLocalRandom.current().nextLong();
        int topK = f.topK() == null || f.topK() == -1 ? 0 : f.topK();
        if (topK < 0)
            throw ApiException.badRequest("top_k", "invalid_value", "top_k must be -1, 0 (no limit) or positive");
        double minP = f.minP() == null ? 0 : f.minP();
        if (!(minP >= 0 && minP <= 1))
            throw ApiException.badRequest("min_p", "invalid_value", "min_p must be in [0, 1]");
        return new GenerationOptions(
                max != null ? max : defaultMaxTokens,
                temperature,
                topP,
                seed,
                stops(f.stop()),
                stream,
                includeUsage,
                Boolean.TRUE.equals(f.ignoreEos()),
                Boolean.TRUE.equals(f.returnTokenIds()),
                topK,
                minP,
                penalties(f),
                logprobs,
                n,
                ResponseFormat.grammar(f));
    }

    /** These options with {@code grammar} constraining the output (a forced tool call). */
    GenerationOptions withGrammar(Grammar grammar) {
        return new GenerationOptions(
                maxTokens,
                temperature,
                topP,
                seed,
                stop,
                stream,
                includeUsage,
                ignoreEos,
                returnTokenIds,
                topK,
                minP,
                penalties,
                logprobs,
                n,
                grammar);
    }

    private static Penalties penalties(GenerationFields f) {
        double presence = penalty(f.presencePenalty(), "presence_penalty");
        double frequency = penalty(f.frequencyPenalty(), "frequency_penalty");
        double repetition = f.repetitionPenalty() == null ? 1 : f.repetitionPenalty();
        if (!(repetition > 0 && repetition <= 2)) {
            throw ApiException.badRequest(
                    "repetition_penalty",
                    "invalid_value",
                    "repetition_penalty must be greater than 0 and at most 2 (1 is off), got " + f.repetitionPenalty());
        }
        return new Penalties(presence, frequency, repetition, logitBias(f.logitBias()));
    }

    private static double penalty(Double value, String param) {
        if (value == null) return 0;
        if (!(value >= -2 && value <= 2)) {
            throw ApiException.badRequest(param, "invalid_value", param + " must be between -2 and 2, got " + value);
        }
        return value;
    }

    private static Map<Integer, Double> logitBias(JsonNode bias) {
        if (bias == null || bias.isNull()) return Map.of();
        if (!bias.isObject()) {
            throw ApiException.badRequest("logit_bias", "invalid_value", "logit_bias must map token ids to numbers");
        }
        if (bias.size() > MAX_LOGIT_BIAS) {
            throw ApiException.badRequest(
                    "logit_bias",
                    "invalid_value",
                    "logit_bias takes at most " + MAX_LOGIT_BIAS + " tokens, got " + bias.size());
        }
        Map<Integer, Double> out = new HashMap<>();
        for (var e : bias.properties()) {
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException x) {
                throw ApiException.badRequest(
                        "logit_bias", "invalid_value", "logit_bias keys must be token ids, got '" + e.getKey() + "'");
            }
            JsonNode v = e.getValue();
            if (id < 0 || !v.isNumber() || !(v.doubleValue() >= -100 && v.doubleValue() <= 100)) {
                throw ApiException.badRequest(
                        "logit_bias",
                        "invalid_value",
                        "logit_bias maps token ids >= 0 to numbers in [-100, 100]; '" + e.getKey() + "' is not valid");
            }
            out.put(id, v.doubleValue());
        }
        return out;
    }

    private static List<String> stops(JsonNode stop) {
        if (stop == null || stop.isNull()) return List.of();
        List<JsonNode> items = stop.isArray() ? stop.valueStream().toList() : List.of(stop);
        if (items.size() > MAX_STOP) {
            throw ApiException.badRequest(
                    "stop", "invalid_value", "stop takes at most " + MAX_STOP + " sequences, got " + items.size());
        }
        List<String> out = new ArrayList<>();
        for (JsonNode s : items) {
            if (!s.isString() || s.stringValue().isEmpty()) {
                throw ApiException.badRequest(
                        "stop", "invalid_value", "stop must be a non-empty string or a list of them");
            }
            out.add(s.stringValue());
        }
        return out;
    }

    /**
     * The engine request for a tokenized prompt; {@code maxTokens} null means up to {@code contextLength}.
     *
     * @throws ApiException 400 when {@code logit_bias} names a token outside the vocabulary
     */
    EngineRequest request(int[] promptIds, String adapterId, int contextLength, int vocabSize, int maxBatchSize) {
        if (n > maxBatchSize) {
            throw ApiException.badRequest(
                    "n",
                    "invalid_value",
                    "n must be at most " + maxBatchSize + " (the sequences this server runs at once), got " + n);
        }
        for (int id : penalties.logitBias().keySet()) {
            if (id >= vocabSize) {
                throw ApiException.badRequest(
                        "logit_bias",
                        "invalid_value",
                        "logit_bias names token " + id + ", outside the model's vocabulary of " + vocabSize);
            }
        }
        int max = maxTokens == null ? contextLength : maxTokens;
        return new EngineRequest(
                promptIds,
                adapterId,
                new SamplingParams(temperature, topP, topK, minP, seed, max, Set.of(), stop, penalties),
                ignoreEos,
                logprobs,
                grammar);
    }
}
