package ai.patchwork.serving;

import ai.patchwork.model.lora.AdapterSlots;

/**
 * Runs forward passes for the engine loop, whatever mix of adapters a batch holds, in one pass per step:
 * {@link DjlRunner} on the tensor model (any device), {@link VectorRunner} on the CPU runtime. Engine loop only.
 */
interface ModelRunner extends AutoCloseable {

    /** How a decode step applies LoRA. */
    enum LoraPath {
        /** Every row is on the base model: no LoRA at all. */
        NONE,
        /** Every real row uses one adapter: its cache slot, read once. */
        SHARED,
        /** Rows use different adapters: the KV-aligned row slots, a view when the KV slots are consecutive (DJL). */
        ROWS,
        /** Rows use different adapters: each row reads its adapter's cache slot directly (CPU runtime). */
        SLOTS
    }

    /** The adapter slots the runner's steps read, which the adapter cache fills. */
    AdapterSlots slots();

    /** A newly admitted sequence in {@code kvSlot}, with its adapter lease or null. */
    void admit(int kvSlot, AdapterLease lease);

    /**
     * One prefill step over chunks of different lengths.
     *
     * @return logits at each row's last chunk token, (B, V)
     */
    float[][] prefill(int[][] tokens, int[] starts, int[] kvSlots, int[] loraSlots);

    /**
     * One decode step: one token per row.
     *
     * @param loraSlots each row's adapter cache slot (0 = base model); filler rows carry the shared slot if any
     */
    float[][] decode(int[][] tokens, int[] positions, int[] kvSlots, int[] loraSlots);

    /**
     * Copies the first {@code positions} keys and values of KV slot {@code from} into slot {@code to}: the choices of an
     * {@code n > 1} request start from their first choice's prompt, computed once.
     */
    void copyKv(int from, int to, int positions);

    /** The pool of KV blocks the prefix cache keeps prompts in, or null when this runner keeps none. */
    KvBlockPool prefixBlocks();

    /** Whether decode steps run faster with filler rows in the holes below the highest KV slot ({@link DecodeRows}). */
    boolean fillsHoles();

    /** The LoRA path of the last decode step. */
    LoraPath lastDecodePath();

    /**
     * Runs the model's kernels before the first request, on the thread that will run every step: what the kernels
     * keep per thread (the CPU runtime's oneDNN primitives) is then ready for that thread. Nothing by default.
     */
    default void warmUp() {}

    /** Frees everything the runner owns. */
    @Override
    void close();

    /** True when every row is on the base model. */
    static boolean baseOnly(int[] loraSlots) {
        for (int s : loraSlots) if (s != 0) return false;
        return true;
    }

    /** True when every row uses the same LoRA slot. */
    static boolean shared(int[] loraSlots) {
        for (int s : loraSlots) if (s != loraSlots[0]) return false;
        return true;
    }
}
