package ai.patchwork.serving;

/** The prompt leaves no room to generate within the context (HTTP 400). */
public final class PromptTooLongException extends IllegalArgumentException {

    private final int promptTokens;
    private final int contextLength;

    public PromptTooLongException(int promptTokens, int contextLength) {
        super("the prompt has " + promptTokens + " tokens, but this model's context is " + contextLength
                + " tokens including the completion; shorten the prompt to at most " + (contextLength - 1) + " tokens");
        this.promptTokens = promptTokens;
        this.contextLength = contextLength;
    }

    public int promptTokens() {
        return promptTokens;
    }

    public int contextLength() {
        return contextLength;
    }
}
