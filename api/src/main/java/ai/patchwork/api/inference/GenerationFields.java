package ai.patchwork.api.inference;

import tools.jackson.databind.JsonNode;

/**
 * The request fields both endpoints share, as OpenAI names them (snake_case on the wire). {@code ignore_eos} and
 * {@code return_token_ids} are vLLM's extensions: the first keeps generating past an end-of-sequence token, the
 * second adds the prompt's and the completion's token ids to each choice.
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

  /**
   * {@code stream_options}.
   *
   * @param includeUsage whether a last chunk, before {@code [DONE]}, carries the usage (every other chunk then has
   *     {@code "usage": null})
   */
  record StreamOptions(Boolean includeUsage) {}
}
