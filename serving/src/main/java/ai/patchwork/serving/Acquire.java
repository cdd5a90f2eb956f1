package ai.patchwork.serving;

import ai.patchwork.model.lora.ResidentAdapter;
import java.util.concurrent.CompletableFuture;

/**
 * The answer of {@link AdapterCache#tryAcquire}: admit with a lease, wait for a load, wait for a device slot, or
 * fail.
 */
record Acquire(Status status, AdapterLease lease, CompletableFuture<ResidentAdapter> load, Throwable error) {

    enum Status {
        READY,
        LOADING,
        NO_SLOT,
        FAILED
    }

    static final Acquire NO_SLOT = new Acquire(Status.NO_SLOT, null, null, null);

    static Acquire ready(AdapterLease lease) {
        return new Acquire(Status.READY, lease, null, null);
    }

    static Acquire loading(CompletableFuture<ResidentAdapter> load) {
        return new Acquire(Status.LOADING, null, load, null);
    }

    static Acquire failed(Throwable error) {
        return new Acquire(Status.FAILED, null, null, error);
    }
}
