package ai.patchwork.serving;

import java.util.Locale;

/** Why a generation ended. */
public enum FinishReason {
    /** A stop id (EOS unless ignored) was sampled or a stop string appeared: OpenAI's {@code "stop"}. */
    STOP,
    /** {@code max_tokens} were generated or the context is full: OpenAI's {@code "length"}. */
    LENGTH,
    /** The caller cancelled (e.g. the client went away); the usage still counts what was generated. */
    CANCELLED;

    /** The value of OpenAI's {@code finish_reason} field: the name in lower case. */
    public String openAiName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
