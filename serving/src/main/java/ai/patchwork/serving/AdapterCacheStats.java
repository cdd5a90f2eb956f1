package ai.patchwork.serving;

/**
 * A snapshot of the adapter tiers.
 *
 * @param hostAdapters adapters in host memory
 * @param hostBytes their weights' bytes
 * @param hostBudget the configured bound (soft for adapters in use)
 * @param loading loads in flight
 * @param deviceSlotsUsed LoRA slots holding an adapter
 * @param deviceSlots LoRA slots in all
 * @param pinned pinned adapters
 */
public record AdapterCacheStats(
        int hostAdapters,
        long hostBytes,
        long hostBudget,
        int loading,
        int deviceSlotsUsed,
        int deviceSlots,
        int pinned) {}
