package ai.patchwork.registry;

import ai.patchwork.registry.store.ObjectStoreException;

/**
 * The object store failed while serving a request (the registry's uploads, the files API): a 503 with the code
 * {@code storage_error}, since the same request may succeed later.
 */
public final class StorageUnavailableException extends RequestRefusedException {

    public StorageUnavailableException(ObjectStoreException cause) {
        super(
                Reason.UNAVAILABLE,
                null,
                "storage_error",
                "the object store failed; try again later (" + cause.getMessage() + ")",
                cause);
    }
}
