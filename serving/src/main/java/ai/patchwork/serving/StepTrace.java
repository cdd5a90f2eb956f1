package ai.patchwork.serving;

/**
 * What one forward pass ran, for tests and debugging: which requests, in which KV and LoRA slots.
 *
 * @param step 1-based count of forward passes
 * @param prefill a prefill chunk step, else a decode step
 * @param requestIds the request of each row
 * @param kvSlots each row's KV cache slot
 * @param loraSlots each row's LoRA slot (0 = base model)
 * @param tokens tokens fed per row (the longest chunk for prefill, 1 for decode)
 * @param rows rows of the forward pass: more than the requests when filler rows kept the KV cache a view
 * @param loraPath how a decode step applied LoRA; null for prefill steps
 */
record StepTrace(
        long step,
        boolean prefill,
        long[] requestIds,
        int[] kvSlots,
        int[] loraSlots,
        int tokens,
        int rows,
        ModelRunner.LoraPath loraPath) {

    /** Called on the engine loop after every forward pass; blocking in it pauses the engine. */
    @FunctionalInterface
    interface Observer {
        void onStep(StepTrace trace);
    }
}
