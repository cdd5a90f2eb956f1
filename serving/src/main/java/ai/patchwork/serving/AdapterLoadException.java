package ai.patchwork.serving;

/**
 * An adapter could not be made servable: the source failed or does not know it, the files are invalid, or its rank
 * exceeds the slots' maximum. Requests waiting for it fail with this; the next request for the id tries again.
 */
public class AdapterLoadException extends RuntimeException {

    private final String adapterId;

    public AdapterLoadException(String adapterId, String message, Throwable cause) {
        super(message, cause);
        this.adapterId = adapterId;
    }

    public String adapterId() {
        return adapterId;
    }
}
