package ai.patchwork.registry;

/**
 * A request the platform refuses or cannot serve, from any of its parts (the registry, files and fine-tuning jobs).
 * The message is one sentence a user can act on; {@link #param()} names the request field at fault (or null),
 * {@link #code()} is a stable machine-readable code, and the web layer maps {@link #reason()} to an HTTP status.
 */
public class RequestRefusedException extends RuntimeException {

    /** Why, which the web layer maps to an HTTP status. */
    public enum Reason {
        /** The input is invalid (400). */
        INVALID,
        /** No such thing (404). */
        NOT_FOUND,
        /** The input is over a size limit (413). */
        TOO_LARGE,
        /** The object store or database failed (503). */
        UNAVAILABLE
    }

    private final Reason reason;
    private final String param;
    private final String code;

    protected RequestRefusedException(Reason reason, String param, String code, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.param = param;
        this.code = code;
    }

    public Reason reason() {
        return reason;
    }

    /** The request field at fault, e.g. {@code adapter_model} or {@code training_file}; null when none is. */
    public String param() {
        return param;
    }

    /** A stable code, e.g. {@code invalid_adapter}. */
    public String code() {
        return code;
    }
}
