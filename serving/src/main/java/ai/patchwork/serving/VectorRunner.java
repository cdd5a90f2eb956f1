package ai.patchwork.serving;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterSlots;
import ai.patchwork.model.vector.StepThreads;
import ai.patchwork.model.vector.VectorKvBlocks;
import ai.patchwork.model.vector.VectorKvCache;
import ai.patchwork.model.vector.VectorLoraSlots;
import ai.patchwork.model.vector.VectorTransformer;

/**
 * The {@link ModelRunner} on the CPU runtime ({@link VectorTransformer}): every row reads its own KV slot and its
 * adapter's cache slot directly, so there is nothing to gather, align or keep between steps, and no filler rows.
 */
final class VectorRunner implements ModelRunner {

    private final VectorTransformer model;
    private final VectorKvCache cache;
    private final VectorLoraSlots slots;
    private final StepThreads threads;
    private final VectorKvBlocks prefix; // null without prefix caching
    private LoraPath decodePath = LoraPath.NONE;

    /**
     * The start-up warm-up (see {@link VectorTransformer#warmUp}): without it the first requests run the SIMD kernels
     * interpreted while the JIT compiles them, and on 2 cores that also slows adapter loads beside them.
     */
    private static final int WARM_UP_STEPS = 200;

    private static final long WARM_UP_BUDGET_NANOS = 2_000_000_000L;

    /**
     * Loads the weights from the checkpoint (shared with any other runtime open on the same folder), warms the kernels
     * on the threads the steps will run on, and sizes the KV cache and adapter slots.
     */
    static VectorRunner open(EngineConfig config, ModelConfig mc, int context) {
        VectorTransformer model = VectorTransformer.load(config.modelDir(), config.quantization(), config.matmul());
        System.getLogger(VectorRunner.class.getName())
                .log(
                        System.Logger.Level.INFO,
                        "CPU runtime for {0} (matmul {1}): {2} weight matrices on oneDNN, the rest on the Vector API",
                        config.modelDir(),
                        config.matmul(),
                        model.nativeMatrices());
        StepThreads threads = null;
        try {
            threads = StepThreads.of(config.stepThreads());
            model.warmUp(WARM_UP_STEPS, WARM_UP_BUDGET_NANOS, threads, config.adapterStorage());
            VectorLoraSlots slots =
                    new VectorLoraSlots(mc, config.adapterSlots(), config.maxLoraRank(), config.adapterStorage());
            int blocks = !config.prefixCaching()
                    ? 0
                    : KvBlockPool.blocks(
                            config.prefixCacheBytes(),
                            VectorKvBlocks.blockBytes(mc),
                            VectorKvBlocks.BLOCK_SIZE,
                            config.maxBatchSize(),
                            context);
            VectorKvBlocks prefix = blocks > 0 ? new VectorKvBlocks(mc, blocks) : null;
            return new VectorRunner(
                    model, new VectorKvCache(mc, config.maxBatchSize(), context), slots, threads, prefix);
        } catch (RuntimeException | Error e) {
            if (threads != null) threads.close();
            model.close();
            throw e;
        }
    }

    /**
     * @param threads the threads each step runs on; closed with the runner, as are the slots and the model
     * @param prefix the prefix cache's blocks, or null
     */
    VectorRunner(
            VectorTransformer model,
            VectorKvCache cache,
            VectorLoraSlots slots,
            StepThreads threads,
            VectorKvBlocks prefix) {
        this.prefix = prefix;
        this.model = model;
        this.cache = cache;
        this.slots = slots;
        this.threads = threads;
    }

    /** Nothing to place: a row reads its adapter's slot in place. */
    @Override
    public void admit(int kvSlot, AdapterLease lease) {}

    @Override
    public float[][] prefill(int[][] tokens, int[] starts, int[] kvSlots, int[] loraSlots) {
        return model.step(
                tokens, starts, kvSlots, loraSlots, cache, ModelRunner.baseOnly(loraSlots) ? null : slots, threads);
    }

    @Override
    public float[][] decode(int[][] tokens, int[] positions, int[] kvSlots, int[] loraSlots) {
        boolean base = ModelRunner.baseOnly(loraSlots);
        decodePath = base ? LoraPath.NONE : ModelRunner.shared(loraSlots) ? LoraPath.SHARED : LoraPath.SLOTS;
        return model.step(tokens, positions, kvSlots, loraSlots, cache, base ? null : slots, threads);
    }

    @Override
    public void copyKv(int from, int to, int positions) {
        cache.copy(from, to, positions);
    }

    @Override
    public KvBlockPool prefixBlocks() {
        if (prefix == null) return null;
        return new KvBlockPool() {
            @Override
            public int blockSize() {
                return prefix.blockSize();
            }

            @Override
            public int blocks() {
                return prefix.blocks();
            }

            @Override
            public void save(int kvSlot, int position, int block) {
                prefix.save(cache, kvSlot, position, block);
            }

            @Override
            public void load(int block, int kvSlot, int position) {
                prefix.load(block, cache, kvSlot, position);
            }
        };
    }

    @Override
    public boolean fillsHoles() {
        return false;
    }

    @Override
    public LoraPath lastDecodePath() {
        return decodePath;
    }

    @Override
    public AdapterSlots slots() {
        return slots;
    }

    @Override
    public void close() {
        slots.close();
        threads.close();
        model.close();
    }
}
