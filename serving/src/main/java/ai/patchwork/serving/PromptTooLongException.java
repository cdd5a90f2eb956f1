package ai.patchwork.serving;

/** The prompt leaves no room to generate within the context (HTTP 400). */
public final class PromptTooLongException extends IllegalArgumentException {

    public PromptTooLongException(int promptTokens, int contextLength) {
        super("the prompt has " + promptTokens + " tokens, but this model's context is " + contextLength
                + " tokens including the completion; shorten the prompt to at most " + (contextLength - 1) + " tokens");
    }
}
