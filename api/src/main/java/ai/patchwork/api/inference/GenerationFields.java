package ai.patchwork.api.inference;

import tools.jackson.databind.JsonNode;

/**
 * The request fields both endpoints share, as OpenAI names them (snake_case on the wire). {@code ignore_eos},
 * {@code return_token_ids}, {@code top_k}, {@code min_p} and {@code repetition_penalty} are vLLM's extensions: the
 * first keeps generating past an end-of-sequence token, the second adds the prompt's and the completion's token ids to
 * each choice. vLLM's {@code guided_*} fields are read only to be refused: nothing a client sends for a feature this
 * server lacks is silently dropped.
 */
interface GenerationFields {
    String model();

    Integer maxTokens();

    Integer maxCompletionTokens();

    Double temperature();

    Double topP();

    Long seed();

    /** A string, a list of up to 4 strings, or null. */
    JsonNode stop();

    Integer n();

    Boolean stream();

    StreamOptions streamOptions();

    Boolean ignoreEos();

    Boolean returnTokenIds();

    Double presencePenalty();

    Double frequencyPenalty();

    /** An object from token id (as a string) to a bias in [-100, 100]. */
    JsonNode logitBias();

    Double repetitionPenalty();

    Double minP();

    /** vLLM's: -1 or 0 for no limit. */
    Integer topK();

    JsonNode responseFormat();

    JsonNode guidedJson();

    JsonNode guidedRegex();

    JsonNode guidedChoice();

    JsonNode guidedGrammar();

    /**
     * {@code stream_options}.
     *
     * @param includeUsage whether a last chunk, before {@code [DONE]}, carries the usage (every other chunk then has
     *     {@code "usage": null})
     */
    record StreamOptions(Boolean includeUsage) {}
}
