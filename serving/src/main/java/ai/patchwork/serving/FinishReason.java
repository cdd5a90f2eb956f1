package ai.patchwork.serving;

/** Why a generation ended. */
public enum FinishReason {
    /** A stop id (EOS unless ignored) was sampled or a stop string appeared: OpenAI's {@code "stop"}. */
    STOP("stop"),
    /** {@code max_tokens} were generated or the context is full: OpenAI's {@code "length"}. */
    LENGTH("length"),
    /** The caller cancelled (e.g. the client went away); the usage still counts what was generated. */
    CANCELLED("cancelled");

    private final String openAiName;

    FinishReason(String openAiName) {
        this.openAiName = openAiName;
    }

    /** The value of OpenAI's {@code finish_reason} field. */
    public String openAiName() {
        return openAiName;
    }
}
