package ai.patchwork.api.inference;

import tools.jackson.databind.JsonNode;

/**
 * The request fields both endpoints share, as OpenAI names them (snake_case on the wire), unwrapped into
 * {@link ChatCompletionRequest} and {@link CompletionRequest}. {@code ignore_eos}, {@code return_token_ids},
 * {@code top_k}, {@code min_p}, {@code repetition_penalty} and the {@code guided_*} fields are vLLM's extensions: the
 * first keeps generating past an end-of-sequence token, the second adds the prompt's and the completion's token ids to
 * each choice. {@code user} is accepted and has no effect (usage is metered per API key).
 *
 * @param stop a string, a list of up to 4 strings, or null
 * @param logitBias an object from token id (as a string) to a bias in [-100, 100]
 * @param topK vLLM's: -1 or 0 for no limit
 */
record GenerationFields(
        String model,
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
        JsonNode responseFormat,
        JsonNode guidedJson,
        JsonNode guidedRegex,
        JsonNode guidedChoice,
        JsonNode guidedGrammar,
        String user) {

    /** A body that sets none of these fields. */
    static final GenerationFields NONE = new GenerationFields(
            null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
            null, null, null, null, null, null);

    /**
     * {@code stream_options}.
     *
     * @param includeUsage whether a last chunk, before {@code [DONE]}, carries the usage (every other chunk then has
     *     {@code "usage": null})
     */
    record StreamOptions(Boolean includeUsage) {}
}
