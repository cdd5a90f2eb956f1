package ai.patchwork.model.config;

/** A model or adapter folder that cannot be used: the message is one line a user can act on. */
public class ModelFormatException extends RuntimeException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
