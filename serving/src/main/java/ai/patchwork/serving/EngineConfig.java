package ai.patchwork.serving;

import ai.patchwork.model.vector.AdapterStorage;
import ai.patchwork.model.vector.Matmul;
import ai.patchwork.model.vector.Quantization;
import java.nio.file.Path;
import java.util.List;

/**
 * How an {@link InferenceEngine} is sized. Memory is fixed up front: the KV cache holds {@code maxBatchSize}
 * sequences of {@code maxSequenceLength} positions, the device tier {@code adapterSlots} adapters of rank up to
 * {@code maxLoraRank}, and the host tier up to {@code hostCacheBytes} of adapter weights.
 *
 * <pre>
 *   EngineConfig config = EngineConfig.builder(modelDir).optMaxBatchSize(32).optAdapterSlots(32).build();
 * </pre>
 *
 * @param modelDir Hugging Face model folder (config.json, safetensors, tokenizer.json)
 * @param maxBatchSize sequences running at once = KV cache slots
 * @param maxSequenceLength context per sequence, prompt plus completion; 0 for the model's max_position_embeddings
 * @param prefillChunk prompt tokens a sequence prefills per step: longer prompts are split so they never stall the
 *     running decodes for more than one chunk
 * @param maxPrefillTokens padded tokens (rows × longest chunk) of one prefill step, at least {@code prefillChunk}
 * @param maxQueued requests waiting for admission before {@link QueueFullException}
 * @param adapterSlots distinct adapters resident on the device at once (LoRA slots; slot 0, "no adapter", is extra).
 *     With at least {@code maxBatchSize} + pinned slots, a request never waits for a LoRA slot, only for a KV slot
 * @param maxLoraRank largest servable rank; smaller ranks are zero-padded
 * @param hostCacheBytes bound of the host-memory LRU of adapter weights (adapters in use may exceed it)
 * @param preload adapter ids loaded at start and pinned (never evicted)
 * @param loaderThreads threads that load adapters from the {@link AdapterSource}
 * @param intraOpThreads threads one PyTorch op may use on the CPU, set for the whole process when the engine starts;
 *     0 leaves PyTorch's default (one per core). One is faster when the cores are shared with the HTTP threads: at
 *     serving batch sizes an op lasts tens of microseconds, and OpenMP workers that spin-wait for a descheduled peer
 *     cost more than they parallelise
 * @param stepThreads threads one step of the CPU runtime runs on (its matmuls split by output columns, the row-wise
 *     work by rows; each output computed by the same code whatever the count); 0 for one per core
 * @param runtime which forward runs the steps ({@link EngineRuntime#AUTO}: the CPU runtime on a CPU when available)
 * @param adapterStorage how the CPU runtime's slots hold adapter weights ({@link AdapterStorage#INT16}: 16-bit
 *     integers with a scale per rank, half the bytes of float32 for each mixed-adapter step to read, each weight within
 *     1/65534 of its row's or column's largest; {@code EXACT}: as loaded); the DJL runtime holds them as loaded
 * @param quantization how the CPU runtime holds the base weights ({@link Quantization#NONE}: the checkpoint's
 *     precision; {@code INT8}: block-wise int8, a scale per 32 values); the DJL runtime runs the checkpoint as it is
 * @param prefixCaching whether prompt prefixes are kept in a pool of KV blocks and reused by later requests with the
 *     same adapter version and the same leading tokens ({@link PrefixCache})
 * @param prefixCacheBytes bound of that pool, allocated at start (never more than the KV cache itself); the least
 *     recently used blocks are evicted when it is full
 * @param packedCacheDir where the CPU runtime caches the base weights packed for its kernels, one file per checkpoint
 *     content, so later starts map them instead of packing; null for no cache
 * @param matmul which kernel the CPU runtime multiplies by BF16 base weights with ({@link Matmul#AUTO}: oneDNN when
 *     it loads and the CPU has AVX-512 BF16, else the Vector API); the DJL runtime ignores it
 */
public record EngineConfig(
        Path modelDir,
        int maxBatchSize,
        int maxSequenceLength,
        int prefillChunk,
        int maxPrefillTokens,
        int maxQueued,
        int adapterSlots,
        int maxLoraRank,
        long hostCacheBytes,
        List<String> preload,
        int loaderThreads,
        int intraOpThreads,
        int stepThreads,
        EngineRuntime runtime,
        AdapterStorage adapterStorage,
        Quantization quantization,
        boolean prefixCaching,
        long prefixCacheBytes,
        Path packedCacheDir,
        Matmul matmul) {

    public EngineConfig {
        if (modelDir == null) throw new IllegalArgumentException("modelDir is required");
        positive("maxBatchSize", maxBatchSize);
        if (maxSequenceLength < 0)
            throw new IllegalArgumentException(
                    "maxSequenceLength must be >= 0 (0 = the model's), got " + maxSequenceLength);
        if (maxSequenceLength == 1)
            throw new IllegalArgumentException("maxSequenceLength must leave room for a prompt and a token");
        positive("prefillChunk", prefillChunk);
        if (maxPrefillTokens < prefillChunk) {
            throw new IllegalArgumentException(
                    "maxPrefillTokens (" + maxPrefillTokens + ") must be at least prefillChunk (" + prefillChunk + ")");
        }
        if (maxQueued < 0) throw new IllegalArgumentException("maxQueued must be >= 0, got " + maxQueued);
        positive("adapterSlots", adapterSlots);
        positive("maxLoraRank", maxLoraRank);
        if (hostCacheBytes < 0) throw new IllegalArgumentException("hostCacheBytes must be >= 0");
        positive("loaderThreads", loaderThreads);
        if (intraOpThreads < 0)
            throw new IllegalArgumentException(
                    "intraOpThreads must be >= 0 (0 = PyTorch's default), got " + intraOpThreads);
        if (stepThreads < 0)
            throw new IllegalArgumentException("stepThreads must be >= 0 (0 = one per core), got " + stepThreads);
        if (runtime == null) runtime = EngineRuntime.AUTO;
        if (adapterStorage == null) adapterStorage = AdapterStorage.INT16;
        if (quantization == null) quantization = Quantization.NONE;
        if (matmul == null) matmul = Matmul.AUTO;
        if (quantization != Quantization.NONE && runtime == EngineRuntime.DJL) {
            throw new IllegalArgumentException(
                    "quantization " + quantization + " needs the CPU runtime (vector), not djl");
        }
        if (prefixCacheBytes < 0) throw new IllegalArgumentException("prefixCacheBytes must be >= 0");
        preload = List.copyOf(preload == null ? List.of() : preload);
        if (preload.size() >= adapterSlots) {
            throw new IllegalArgumentException(preload.size() + " preloaded adapters would take every one of the "
                    + adapterSlots + " adapter slots; keep at least one slot for the others");
        }
    }

    /** The same settings with {@code ids} as the adapters preloaded at start. */
    public EngineConfig withPreload(List<String> ids) {
        return new EngineConfig(
                modelDir,
                maxBatchSize,
                maxSequenceLength,
                prefillChunk,
                maxPrefillTokens,
                maxQueued,
                adapterSlots,
                maxLoraRank,
                hostCacheBytes,
                ids,
                loaderThreads,
                intraOpThreads,
                stepThreads,
                runtime,
                adapterStorage,
                quantization,
                prefixCaching,
                prefixCacheBytes,
                packedCacheDir,
                matmul);
    }

    private static void positive(String name, long value) {
        if (value <= 0) throw new IllegalArgumentException(name + " must be positive, got " + value);
    }

    public static Builder builder(Path modelDir) {
        return new Builder(modelDir);
    }

    /** Builder with DJL-style {@code opt*} setters; every setting but the model folder has a default. */
    public static final class Builder {
        private final Path modelDir;
        private int maxBatchSize = 32;
        private int maxSequenceLength;
        private int prefillChunk = 64;
        private int maxPrefillTokens; // 0: max(512, prefillChunk)
        private int maxQueued = 1024;
        private int adapterSlots = 32;
        private int maxLoraRank = 16;
        private long hostCacheBytes = 1L << 30;
        private List<String> preload = List.of();
        private int loaderThreads = 4;
        private int intraOpThreads;
        private int stepThreads;
        private EngineRuntime runtime = EngineRuntime.AUTO;
        private AdapterStorage adapterStorage = AdapterStorage.INT16;
        private Quantization quantization = Quantization.NONE;
        private Matmul matmul = Matmul.AUTO;
        private boolean prefixCaching = true;
        private long prefixCacheBytes = 256L << 20;
        private Path packedCacheDir;

        private Builder(Path modelDir) {
            this.modelDir = modelDir;
        }

        public Builder optMaxBatchSize(int v) {
            maxBatchSize = v;
            return this;
        }

        public Builder optMaxSequenceLength(int v) {
            maxSequenceLength = v;
            return this;
        }

        public Builder optPrefillChunk(int v) {
            prefillChunk = v;
            return this;
        }

        public Builder optMaxPrefillTokens(int v) {
            maxPrefillTokens = v;
            return this;
        }

        public Builder optMaxQueued(int v) {
            maxQueued = v;
            return this;
        }

        public Builder optAdapterSlots(int v) {
            adapterSlots = v;
            return this;
        }

        public Builder optMaxLoraRank(int v) {
            maxLoraRank = v;
            return this;
        }

        public Builder optHostCacheBytes(long v) {
            hostCacheBytes = v;
            return this;
        }

        public Builder optPreload(List<String> v) {
            preload = v;
            return this;
        }

        public Builder optLoaderThreads(int v) {
            loaderThreads = v;
            return this;
        }

        public Builder optIntraOpThreads(int v) {
            intraOpThreads = v;
            return this;
        }

        public Builder optStepThreads(int v) {
            stepThreads = v;
            return this;
        }

        public Builder optRuntime(EngineRuntime v) {
            runtime = v;
            return this;
        }

        public Builder optAdapterStorage(AdapterStorage v) {
            adapterStorage = v;
            return this;
        }

        public Builder optQuantization(Quantization v) {
            quantization = v;
            return this;
        }

        public Builder optPrefixCaching(boolean v) {
            prefixCaching = v;
            return this;
        }

        public Builder optPrefixCacheBytes(long v) {
            prefixCacheBytes = v;
            return this;
        }

        /** Where the CPU runtime caches packed weights; null (the default) for no cache. */
        public Builder optPackedCacheDir(Path v) {
            packedCacheDir = v;
            return this;
        }

        /** Which kernel the CPU runtime multiplies by BF16 base weights with. */
        public Builder optMatmul(Matmul v) {
            matmul = v;
            return this;
        }

        public EngineConfig build() {
            int prefillTokens = maxPrefillTokens == 0 ? Math.max(512, prefillChunk) : maxPrefillTokens;
            return new EngineConfig(
                    modelDir,
                    maxBatchSize,
                    maxSequenceLength,
                    prefillChunk,
                    prefillTokens,
                    maxQueued,
                    adapterSlots,
                    maxLoraRank,
                    hostCacheBytes,
                    preload,
                    loaderThreads,
                    intraOpThreads,
                    stepThreads,
                    runtime,
                    adapterStorage,
                    quantization,
                    prefixCaching,
                    prefixCacheBytes,
                    packedCacheDir,
                    matmul);
        }
    }
}
