package ai.patchwork.serving;

import ai.patchwork.model.lora.ResidentAdapter;
import java.util.concurrent.CompletableFuture;

/**
 * One version of one adapter in the cache. Fields are guarded by the {@link AdapterCache}'s lock. Tiers are
 * inclusive: an entry on the device ({@code deviceSlot > 0}) also has its host weights, except once retired.
 */
final class AdapterEntry {

    final String id;
    /** Which load of the adapter this is: a new number for every entry the cache creates, never reused. */
    final long version;

    final CompletableFuture<ResidentAdapter> load = new CompletableFuture<>();
    ResidentAdapter weights; // host tier, in the form the slots take; null while loading, evicted or retired
    long bytes;
    int deviceSlot; // 1..slots, 0 when not on the device
    int running; // sequences decoding with it: never evicted while > 0
    long lastUsed; // device LRU clock
    boolean retired; // invalidated: finishes its running sequences, then frees its slot

    AdapterEntry(String id, long version) {
        this.id = id;
        this.version = version;
    }

    boolean idle() {
        return running == 0;
    }

    @Override
    public String toString() {
        return "AdapterEntry[" + id + ", slot=" + deviceSlot + ", running=" + running + (retired ? ", retired" : "")
                + "]";
    }
}
