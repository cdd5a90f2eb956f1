package ai.patchwork.serving;

/**
 * Token counts of one request, the unit of metering.
 *
 * @param promptTokens tokens of the prompt
 * @param completionTokens every token sampled, including a final stop id: each one cost a forward pass
 */
public record Usage(int promptTokens, int completionTokens) {

    public Usage {
        if (promptTokens < 0 || completionTokens < 0) throw new IllegalArgumentException("token counts must be >= 0");
    }

    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
