package ai.patchwork.serving;

/**
 * Token counts of one request, the unit of metering.
 *
 * @param promptTokens tokens of the prompt
 * @param completionTokens every token sampled, including a final stop id: each one cost a forward pass
 * @param cachedTokens prompt tokens whose keys and values came from the prefix cache instead of a prefill (OpenAI's
 *     {@code prompt_tokens_details.cached_tokens})
 */
public record Usage(int promptTokens, int completionTokens, int cachedTokens) {

    public Usage {
        if (promptTokens < 0 || completionTokens < 0 || cachedTokens < 0)
            throw new IllegalArgumentException("token counts must be >= 0");
        if (cachedTokens > promptTokens)
            throw new IllegalArgumentException("cached tokens (" + cachedTokens + ") exceed the prompt tokens");
    }

    /** Nothing from the prefix cache. */
    public Usage(int promptTokens, int completionTokens) {
        this(promptTokens, completionTokens, 0);
    }

    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
