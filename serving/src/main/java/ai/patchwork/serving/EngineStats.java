package ai.patchwork.serving;

/**
 * What the engine is doing, as of the last step.
 *
 * @param waiting requests in the queue
 * @param running sequences holding a KV slot (prefilling or decoding)
 * @param kvSlotsUsed KV cache slots in use, at most {@code kvSlots}
 * @param kvSlots KV cache slots (the maximum batch size)
 * @param kvUsage fraction of all KV positions that hold live tokens
 * @param steps forward passes run so far
 */
public record EngineStats(int waiting, int running, int kvSlotsUsed, int kvSlots, double kvUsage, long steps) {}
