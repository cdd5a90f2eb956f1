package ai.patchwork.serving;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterSlots;
import ai.patchwork.model.vector.AdapterStorage;
import ai.patchwork.model.vector.StepThreads;
import ai.patchwork.model.vector.VectorKvBlocks;
import ai.patchwork.model.vector.VectorKvCache;
import ai.patchwork.model.vector.VectorLoraSlots;
import ai.patchwork.model.vector.VectorTransformer;
import java.lang.foreign.Arena;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The {@link ModelRunner} on the CPU runtime ({@link VectorTransformer}): every row reads its own KV slot and its
 * adapter's cache slot directly, so there is nothing to gather, align or keep between steps, and no filler rows.
 * The KV cache and the prefix cache's blocks live outside the Java heap, in an arena the runner owns and closes.
 */
final class VectorRunner implements ModelRunner {

    private static final System.Logger LOG = System.getLogger(VectorRunner.class.getName());

    private final VectorTransformer model;
    private final Kv kv;
    private final VectorLoraSlots slots;
    private final StepThreads threads;
    private final AtomicBoolean closed = new AtomicBoolean();
    private LoraPath decodePath = LoraPath.NONE;
    private final AdapterStorage storage; // how the warm-up's adapter is held: as the slots hold theirs
    private final String name; // for the warm-up's log line

    /**
     * The start-up warm-up (see {@link VectorTransformer#warmUp}): without it the first requests run the SIMD kernels
     * interpreted while the JIT compiles them, and on 2 cores that also slows adapter loads beside them. Steps of the
     * model's miniature, a millisecond each; then a few steps of the model itself, whatever the budget.
     */
    private static final int WARM_UP_STEPS = 400;

    private static final long WARM_UP_BUDGET_NANOS = 3_000_000_000L;

    /**
     * Loads the weights from the checkpoint or the packed-weights cache (shared with any other runtime open on the same
     * folder) and sizes the KV cache and adapter slots; {@link #warmUp} runs later, on the thread that steps.
     *
     * @param config the engine's settings: the checkpoint, kernels and step threads, the adapter slots and how they
     *     hold adapters (which the warm-up's adapter follows), the batch and the prefix cache's bound
     * @param mc the checkpoint's hyperparameters
     * @param context positions per sequence the KV cache holds
     */
    VectorRunner(EngineConfig config, ModelConfig mc, int context) {
        Timing loading = Timing.start();
        this.model = VectorTransformer.load(
                config.modelDir(), config.quantization(), config.matmul(), config.packedCacheDir());
        LOG.log(
                System.Logger.Level.INFO,
                "CPU runtime for {0} (matmul {1}): {2} weight matrices on oneDNN, the rest on the Vector API",
                config.modelDir(),
                config.matmul(),
                model.nativeMatrices());
        StepThreads threads = null;
        Arena arena = Arena.ofShared(); // steps run on several threads
        try {
            threads = StepThreads.of(config.stepThreads());
            loading.log(config.modelDir() + ": weights loaded");
            this.slots = new VectorLoraSlots(mc, config.adapterSlots(), config.maxLoraRank(), config.adapterStorage());
            int blocks = KvBlockPool.blocks(config, context, VectorKvBlocks.blockBytes(mc), VectorKvBlocks.BLOCK_SIZE);
            VectorKvBlocks prefix = blocks > 0 ? new VectorKvBlocks(mc, blocks, arena) : null;
            this.kv = new Kv(new VectorKvCache(mc, config.maxBatchSize(), context, arena), prefix, arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            if (threads != null) threads.close();
            model.close();
            throw e;
        }
        this.threads = threads;
        this.storage = config.adapterStorage();
        this.name = config.modelDir().toString();
    }

    /**
     * The runner's keys and values, off the Java heap: the KV cache and the prefix cache's blocks, both in one arena
     * that closing frees.
     *
     * @param prefix the prefix cache's blocks, or null without prefix caching
     */
    record Kv(VectorKvCache cache, VectorKvBlocks prefix, Arena arena) implements AutoCloseable {
        @Override
        public void close() {
            arena.close();
        }
    }

    /** When a start-up phase began, in wall time and the whole process's CPU time (its other threads included). */
    private record Timing(long wallStart, long cpuStart) {

        static Timing start() {
            return new Timing(System.nanoTime(), cpuNanos());
        }

        /** Logs {@code what} with the wall and CPU milliseconds since the start. */
        void log(String what) {
            LOG.log(
                    System.Logger.Level.INFO,
                    "{0} in {1} ms ({2} ms of the process''s CPU time)",
                    what,
                    (System.nanoTime() - wallStart) / 1_000_000,
                    (cpuNanos() - cpuStart) / 1_000_000);
        }

        /** CPU time of the whole process so far, or 0 where the OS does not say. */
        private static long cpuNanos() {
            return ProcessHandle.current()
                    .info()
                    .totalCpuDuration()
                    .map(Duration::toNanos)
                    .orElse(0L);
        }
    }

    /**
     * The start-up warm-up ({@link VectorTransformer#warmUp}) on the calling thread, which must be the one that steps:
     * oneDNN's primitives and buffers are kept per thread.
     */
    @Override
    public void warmUp() {
        Timing warming = Timing.start();
        model.warmUp(WARM_UP_STEPS, WARM_UP_BUDGET_NANOS, threads, storage);
        warming.log(name + ": kernels warmed up");
    }

    /** Nothing to place: a row reads its adapter's slot in place. */
    @Override
    public void admit(int kvSlot, AdapterLease lease) {}

    @Override
    public float[][] prefill(int[][] tokens, int[] starts, int[] kvSlots, int[] loraSlots) {
        return model.step(
                tokens,
                starts,
                kvSlots,
                loraSlots,
                kv.cache(),
                ModelRunner.baseOnly(loraSlots) ? null : slots,
                threads);
    }

    @Override
    public float[][] decode(int[][] tokens, int[] positions, int[] kvSlots, int[] loraSlots) {
        boolean base = ModelRunner.baseOnly(loraSlots);
        decodePath = base ? LoraPath.NONE : ModelRunner.shared(loraSlots) ? LoraPath.SHARED : LoraPath.SLOTS;
        return model.step(tokens, positions, kvSlots, loraSlots, kv.cache(), base ? null : slots, threads);
    }

    @Override
    public void copyKv(int from, int to, int positions) {
        kv.cache().copy(from, to, positions);
    }

    @Override
    public KvBlockPool prefixBlocks() {
        return kv.prefix() == null ? null : KvBlockPool.of(kv.prefix(), kv.cache());
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

    /** Frees everything the runner owns; a second call (the loop's shutdown, then the engine's close) does nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        slots.close();
        threads.close();
        kv.close();
        model.close();
    }
}
