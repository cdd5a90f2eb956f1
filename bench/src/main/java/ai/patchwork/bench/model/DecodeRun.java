package ai.patchwork.bench.model;

import ai.patchwork.model.kv.KvCache;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.BatchLoraMapping;
import ai.patchwork.model.lora.BatchedLoraOps;
import ai.patchwork.model.lora.LoraOps;
import ai.patchwork.model.lora.LoraSlots;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.sample.Sampler;
import ai.patchwork.model.vector.AdapterStorage;
import ai.patchwork.model.vector.StepThreads;
import ai.patchwork.model.vector.VectorKvCache;
import ai.patchwork.model.vector.VectorLoraSlots;
import ai.patchwork.model.vector.VectorTransformer;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One benchmark cell: a batch of B sequences prefilled together, then decoded token by token, the way the serving
 * engine drives a step: KV cache slots, adapters resident in LoRA slots. {@link Runtime#DJL} is
 * {@link Transformer#step} with one gathered mapping per batch; {@link Runtime#VECTOR} is
 * {@link VectorTransformer#step}, reading each sequence's adapter from its slot.
 */
final class DecodeRun implements AutoCloseable {

    /** The DJL forward, or the CPU runtime with its adapter slots held in one {@link AdapterStorage}. */
    enum Runtime {
        DJL(null),
        VECTOR(AdapterStorage.INT16),
        VECTOR_EXACT(AdapterStorage.EXACT);

        private final AdapterStorage storage;

        Runtime(AdapterStorage storage) {
            this.storage = storage;
        }

        /** The name in --runtimes: {@code vector-exact} for VECTOR_EXACT. */
        String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        boolean cpu() {
            return storage != null;
        }

        /** The runtime a --runtimes value names: its label. */
        static Runtime of(String label) {
            for (Runtime r : values()) {
                if (r.label().equals(label.trim())) return r;
            }
            throw new IllegalArgumentException("unknown runtime " + label + ": djl, vector or vector-exact");
        }
    }

    /** One forward step of the cell's batch. */
    private interface Stepper extends AutoCloseable {
        float[][] step(int[][] tokens, int[] starts);

        @Override
        void close();
    }

    enum Mode {
        NONE("none"),
        ONE("one"),
        MIXED("different per sequence");

        private final String label;

        Mode(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }

    /**
     * @param decodeCpuTokensPerSecond decoded tokens per second of CPU time of this thread and the CPU runtime's step
     *     workers: with one intra-op thread every DJL op runs on this thread, so the figure does not move when other
     *     processes take the cores
     */
    record Result(double prefillTokensPerSecond, double decodeTokensPerSecond, double decodeCpuTokensPerSecond) {
        /** Median of each figure separately. */
        static Result median(List<Result> runs) {
            double[] p = runs.stream()
                    .mapToDouble(Result::prefillTokensPerSecond)
                    .sorted()
                    .toArray();
            double[] d = runs.stream()
                    .mapToDouble(Result::decodeTokensPerSecond)
                    .sorted()
                    .toArray();
            double[] c = runs.stream()
                    .mapToDouble(Result::decodeCpuTokensPerSecond)
                    .sorted()
                    .toArray();
            return new Result(p[p.length / 2], d[d.length / 2], c[c.length / 2]);
        }
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Transformer model;
    private final LoraSlots slots;
    private final VectorTransformer vector;
    private final List<AdapterWeights> pool;
    private final java.util.Map<AdapterStorage, VectorLoraSlots> vectorSlots =
            new java.util.EnumMap<>(AdapterStorage.class);
    private final int prompt;
    private final int decode;
    private final int adapters;
    private final java.util.Map<Integer, StepThreads> stepThreads = new java.util.HashMap<>();

    DecodeRun(Transformer model, java.nio.file.Path modelDir, List<AdapterWeights> pool, int prompt, int decode) {
        this.model = model;
        this.prompt = prompt;
        this.decode = decode;
        this.adapters = pool.size();
        this.slots = new LoraSlots(model.config(), Math.max(1, pool.size()), 8, model.manager());
        for (int i = 0; i < pool.size(); i++) slots.set(i + 1, pool.get(i));
        this.vector = VectorTransformer.available() ? VectorTransformer.load(modelDir) : null;
        this.pool = pool;
    }

    /** Adapters in the pool, each in its own slot. */
    int adapters() {
        return adapters;
    }

    /** The CPU runtime's slots in this storage, every adapter of the pool in them (filled on first use). */
    private VectorLoraSlots vectorSlots(AdapterStorage storage) {
        if (vector == null)
            throw new IllegalStateException("the vector runtime needs --add-modules jdk.incubator.vector");
        return vectorSlots.computeIfAbsent(storage, s -> {
            VectorLoraSlots slots = new VectorLoraSlots(model.config(), Math.max(1, pool.size()), 8, s);
            for (int i = 0; i < pool.size(); i++) slots.set(i + 1, pool.get(i));
            return slots;
        });
    }

    Result measure(int b, Mode mode, Runtime runtime) {
        return measure(b, mode, runtime, adapters, 1);
    }

    /**
     * @param distinct in {@link Mode#MIXED}, how many different adapters the batch's sequences take turns on (at most
     *     the pool's size): sequence i uses the ((i mod distinct)·37 mod pool)-th
     * @param threads threads of each CPU-runtime step ({@link StepThreads}); the DJL runtime ignores it
     */
    Result measure(int b, Mode mode, Runtime runtime, int distinct, int threads) {
        if (mode == Mode.MIXED && (distinct < 1 || distinct > adapters)) {
            throw new IllegalArgumentException("distinct must be 1.." + adapters);
        }
        SplittableRandom random = new SplittableRandom(b * 31L + mode.ordinal());
        int vocab = model.config().vocabSize();
        int[][] prompts = new int[b][prompt];
        int[] slotIds = new int[b];
        int[] mapping = new int[b];
        for (int i = 0; i < b; i++) {
            for (int t = 0; t < prompt; t++) prompts[i][t] = random.nextInt(vocab);
            slotIds[i] = i;
            mapping[i] = slot(i, mode, distinct);
        }
        StepThreads pool = stepThreads.computeIfAbsent(threads, StepThreads::of);
        try (Stepper stepper = runtime == Runtime.DJL
                ? djl(b, mode, mapping, slotIds)
                : vector(b, mode, mapping, slotIds, pool, runtime)) {
            long t0 = System.nanoTime();
            float[][] logits = stepper.step(prompts, new int[b]);
            long t1 = System.nanoTime();
            long c1 = stepCpuNanos();
            int[][] next = new int[b][1];
            int[] pos = new int[b];
            for (int step = 0; step < decode; step++) {
                for (int i = 0; i < b; i++) {
                    next[i][0] = Sampler.argmax(logits[i]);
                    pos[i] = prompt + step;
                }
                logits = stepper.step(next, pos);
            }
            long t2 = System.nanoTime();
            long c2 = stepCpuNanos();
            return new Result(
                    b * (double) prompt / ((t1 - t0) / 1e9),
                    b * (double) decode / ((t2 - t1) / 1e9),
                    b * (double) decode / ((c2 - c1) / 1e9));
        }
    }

    /** The adapter slot of sequence i in a batch of this mode (0: none). */
    private int slot(int i, Mode mode, int distinct) {
        return switch (mode) {
            case NONE -> 0;
            case ONE -> 1;
            case MIXED -> 1 + ((i % distinct) * 37) % adapters;
        };
    }

    private Stepper djl(int b, Mode mode, int[] mapping, int[] slotIds) {
        KvCache cache = new KvCache(model.config(), b, prompt + decode, model.manager());
        BatchedLoraOps lora = new BatchedLoraOps(slots, new BatchLoraMapping(mapping), model.manager());
        LoraOps ops = mode == Mode.NONE ? LoraOps.NONE : lora;
        return new Stepper() {
            @Override
            public float[][] step(int[][] tokens, int[] starts) {
                return model.step(tokens, starts, slotIds, cache, ops);
            }

            @Override
            public void close() {
                lora.close();
                cache.close();
            }
        };
    }

    private Stepper vector(int b, Mode mode, int[] mapping, int[] slotIds, StepThreads threads, Runtime runtime) {
        VectorLoraSlots lora = mode == Mode.NONE ? null : vectorSlots(runtime.storage);
        VectorKvCache cache = new VectorKvCache(model.config(), b, prompt + decode, Arena.ofAuto());
        return new Stepper() {
            @Override
            public float[][] step(int[][] tokens, int[] starts) {
                return vector.step(tokens, starts, slotIds, lora == null ? null : mapping, cache, lora, threads);
            }

            @Override
            public void close() {}
        };
    }

    /**
     * CPU time, in nanoseconds, of this thread and of the CPU runtime's step workers (threads named
     * {@code patchwork-step-*}), read from the JVM's thread accounting.
     */
    private static long stepCpuNanos() {
        long sum = THREADS.getCurrentThreadCpuTime();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("patchwork-step-")) sum += Math.max(0, THREADS.getThreadCpuTime(t.threadId()));
        }
        return sum;
    }

    /** What the adapters of a mixed batch weigh, and how fast memory gave them in each of the repeated reads (GB/s). */
    record Reads(long bytes, List<Double> gigabytesPerSecond) {}

    /**
     * Reads as many bytes as the float32 slots ({@link AdapterStorage#EXACT}) that a {@link Mode#MIXED} batch of
     * {@code b} uses, laid out as they are (one array per adapter and layer, read four at a time), each time after
     * reading 64 MB of other data so that they come from memory, as they do in a decode step whose base weights, KV
     * cache and adapters together outgrow the cache; {@code repeats} times, after 30 reads that let the JIT compile the
     * loop. The rate is this machine's: slots in another storage move {@link #adapterBytes} at it.
     */
    Reads adapterReads(int b, int repeats) {
        long bytes = adapterBytes(b, adapters, Runtime.VECTOR_EXACT);
        int arrays = distinct(mixedSlots(b, adapters)) * model.config().numLayers();
        MemoryReads reads = new MemoryReads(arrays, (int) (bytes / 4 / Math.max(1, arrays)));
        float[] other = new float[16 << 20]; // 64 MB, twice this machine's L3
        java.util.Arrays.fill(other, 1);
        List<Double> rates = new java.util.ArrayList<>();
        float sink = 0;
        for (int w = 0; w < 30; w++)
            sink += reads.read(); // compiled before it is timed: interpreted, it reads at 2 GB/s
        for (int r = 0; r < repeats; r++) {
            for (int i = 0; i < other.length; i += 16) sink += other[i];
            long t0 = System.nanoTime();
            sink += reads.read();
            rates.add(reads.bytes() / (double) (System.nanoTime() - t0));
        }
        if (sink == 0) throw new AssertionError("the reads read nothing");
        return new Reads(bytes, rates);
    }

    /**
     * The bytes of the adapters a {@link Mode#MIXED} batch of {@code b} over {@code distinct} adapters uses, as this CPU
     * runtime's slots hold them: every adapter of the pool has the same shape, so each weighs the slots' bytes over the
     * pool's size.
     */
    long adapterBytes(int b, int distinct, Runtime runtime) {
        return distinct(mixedSlots(b, distinct)) * (vectorSlots(runtime.storage).bytes() / Math.max(1, adapters));
    }

    /** The different slots among these, but 0 (no adapter). */
    private static int distinct(int[] slots) {
        return (int)
                java.util.Arrays.stream(slots).filter(s -> s != 0).distinct().count();
    }

    private int[] mixedSlots(int b, int distinct) {
        int[] mapping = new int[b];
        for (int i = 0; i < b; i++) mapping[i] = slot(i, Mode.MIXED, distinct);
        return mapping;
    }

    /** Stops the CPU runtime's step threads. */
    @Override
    public void close() {
        stepThreads.values().forEach(StepThreads::close);
        if (vector != null) vector.close();
    }
}
