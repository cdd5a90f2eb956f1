package ai.patchwork.registry.store;

/** The object store failed or returned something other than what was written; the message names the object. */
public class ObjectStoreException extends RuntimeException {
    public ObjectStoreException(String message) {
        super(message);
    }

    public ObjectStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
