package ai.patchwork.model.tokenizer;

/**
 * A chat template could not be rendered: it called {@code raise_exception(msg)} (the message is
 * then exactly {@code msg}), or it is not valid Jinja.
 */
public final class ChatTemplateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with its message. */
    public ChatTemplateException(String message) {
        super(message);
    }

    /** Creates the exception with its message and cause. */
    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
