package ai.patchwork.api.inference;

import tools.jackson.databind.JsonNode;

/**
 * The body of {@code POST /v1/completions}. Unknown fields are ignored; fields for features this server does not have
 * ({@code echo}, {@code suffix}, {@code best_of} other than {@code n}, structured outputs) are refused with a 400
 * naming the field rather than silently dropped.
 *
 * @param prompt a string, a list of token ids, or a list holding exactly one of either
 */
record CompletionRequest(
        String model,
        JsonNode prompt,
        Integer maxTokens,
        Integer maxCompletionTokens,
        Double temperature,
        Double topP,
        Long seed,
        JsonNode stop,
        Integer n,
        Boolean stream,
        StreamOptions streamOptions,
        Boolean ignoreEos,
        Boolean returnTokenIds,
        Double presencePenalty,
        Double frequencyPenalty,
        JsonNode logitBias,
        Double repetitionPenalty,
        Double minP,
        Integer topK,
        Boolean echo,
        String suffix,
        Integer logprobs,
        Integer bestOf,
        JsonNode responseFormat,
        JsonNode guidedJson,
        JsonNode guidedRegex,
        JsonNode guidedChoice,
        JsonNode guidedGrammar,
        String user)
        implements GenerationFields {}
