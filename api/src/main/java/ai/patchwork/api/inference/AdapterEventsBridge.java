package ai.patchwork.api.inference;

import ai.patchwork.registry.AdapterRegistry;
import ai.patchwork.registry.events.AdapterChanged;
import ai.patchwork.registry.events.AdapterEvents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the engines' adapter caches in step with the registry: a deleted (or otherwise changed) version is
 * invalidated at once, so the next request for it fails with 404 instead of being served from memory. A new version
 * needs nothing: it has a new id, and names resolve to it per request. After a resync (events may have been lost)
 * every adapter loaded so far is checked against the registry.
 */
final class AdapterEventsBridge implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdapterEventsBridge.class);

    private final ServedModels served;
    private final AdapterRegistry registry;
    private final AdapterEvents.Subscription subscription;

    AdapterEventsBridge(AdapterEvents events, ServedModels served, AdapterRegistry registry) {
        this.served = served;
        this.registry = registry;
        this.subscription = events.subscribe(this::onChange);
    }

    private void onChange(AdapterChanged change) {
        switch (change.type()) {
            case CREATED -> {}
            case DELETED, UPDATED -> served.invalidate(change.adapterId());
            case RESYNC -> resync();
        }
    }

    private void resync() {
        int dropped = 0;
        for (String id : served.loadedAdapters()) {
            if (registry.find(id).filter(a -> a.isReady()).isEmpty()) {
                served.invalidate(id);
                dropped++;
            }
        }
        log.info("adapter events resynced: {} cached adapters are gone from the registry", dropped);
    }

    @Override
    public void close() {
        subscription.close();
    }
}
