package ai.patchwork.serving;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterSlots;
import ai.patchwork.model.lora.LoraModules;
import ai.patchwork.model.lora.ResidentAdapter;
import java.util.function.Predicate;

/**
 * Which adapter owns each LoRA slot, and the LRU choice of a slot to reuse. Guarded by the {@link AdapterCache}'s
 * lock. Only {@link #upload} touches tensors, and only the engine loop (or start-up, before the loop runs) calls it,
 * so slot contents never change under a running forward pass; freeing a slot is bookkeeping only, since no batch
 * mapping points at a slot without a running sequence.
 */
final class DeviceTier {

    private final AdapterSlots slots;
    private final AdapterEntry[] owner; // index 1..slots; 0 is the "no adapter" slot
    private final CacheMetrics metrics;

    DeviceTier(AdapterSlots slots, CacheMetrics metrics) {
        this.slots = slots;
        this.owner = new AdapterEntry[slots.slots() + 1];
        this.metrics = metrics;
    }

    int capacity() {
        return slots.slots();
    }

    /**
     * The bytes the slots' weights take as stored (int16, bfloat16 or float32); read by a metrics scrape, so a slot
     * being rewritten may count its old or its new contents.
     */
    long bytes() {
        return slots.bytes();
    }

    int used() {
        int n = 0;
        for (int s = 1; s < owner.length; s++) if (owner[s] != null) n++;
        return n;
    }

    /**
     * A slot for a new adapter: a free one if any, else the least recently used slot whose adapter is idle and not
     * protected (pinned); 0 when every slot is held by running sequences.
     */
    int allocate(Predicate<AdapterEntry> isProtected) {
        int victim = 0;
        for (int s = 1; s < owner.length; s++) {
            AdapterEntry e = owner[s];
            if (e == null) return s;
            if (e.idle() && !isProtected.test(e) && (victim == 0 || e.lastUsed < owner[victim].lastUsed)) victim = s;
        }
        if (victim != 0) {
            owner[victim].deviceSlot = 0;
            owner[victim] = null;
            metrics.deviceEviction();
        }
        return victim;
    }

    /** A loaded adapter in the form the host tier keeps for these slots ({@link AdapterSlots#resident}). */
    ResidentAdapter resident(LoraModules adapter, ModelConfig base) {
        return slots.resident(adapter, base);
    }

    int bytesPerWeight() {
        return slots.bytesPerWeight();
    }

    /**
     * Puts the entry's host weights in the slot, on the engine loop between steps: slots that take the host form as it
     * is share its arrays, others copy a few MB.
     */
    void upload(int slot, AdapterEntry e) {
        slots.place(slot, e.weights);
        owner[slot] = e;
        e.deviceSlot = slot;
    }

    /**
     * Forgets the entry's slot (its contents, or the host arrays it shares, stay until overwritten; nothing reads
     * them).
     */
    void free(AdapterEntry e) {
        if (e.deviceSlot != 0 && owner[e.deviceSlot] == e) owner[e.deviceSlot] = null;
        e.deviceSlot = 0;
    }
}
