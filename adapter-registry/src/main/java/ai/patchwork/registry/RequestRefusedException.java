package ai.patchwork.registry;

/**
 * A request the platform refuses or cannot serve, from any of its parts (the registry, files and fine-tuning jobs).
 * The message is one sentence a user can act on; {@link #refusal()} says why, in the terms the web layer answers
 * with.
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

    /**
     * Why a request is refused.
     *
     * @param reason what the web layer maps to an HTTP status
     * @param param the request field at fault, e.g. {@code adapter_model} or {@code training_file}; null when none is
     * @param code a stable machine-readable code, e.g. {@code invalid_adapter}
     */
    public record Refusal(Reason reason, String param, String code) {
        public Refusal {
            if (reason == null || code == null) throw new IllegalArgumentException("reason and code are required");
        }
    }

    private final Refusal refusal;

    protected RequestRefusedException(Reason reason, String param, String code, String message, Throwable cause) {
        super(message, cause);
        this.refusal = new Refusal(reason, param, code);
    }

    public Refusal refusal() {
        return refusal;
    }
}
