package ai.patchwork.model.vector;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.nn.RotaryEmbedding;
import ai.patchwork.model.nn.Transformer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A Llama-family decoder for inference on the CPU, as plain loops over float arrays with SIMD kernels: embedding,
 * blocks, final norm, LM head, like {@link Transformer#step} but with no tensor library anywhere: the weights are read
 * from the checkpoint's safetensors files into memory off the Java heap ({@link CheckpointLoader}), in the
 * checkpoint's precision, and freed by {@link #close}. Thread-safe; the state of a step lives in the
 * {@link VectorKvCache}, and the activations of the last step are kept for the next one that fits.
 *
 * <pre>
 *   VectorTransformer cpu = VectorTransformer.load(modelDir);
 *   Arena arena = Arena.ofShared(); // owns the KV cache's memory: close it when done
 *   VectorKvCache cache = new VectorKvCache(cpu.config(), 8, 512, arena);
 *   float[][] logits = cpu.step(prompts, new int[8], kvSlots, null, cache, null); // prefill
 * </pre>
 */
public final class VectorTransformer implements AutoCloseable {

    private final ModelWeights weights; // shared with every other runtime open on the same folder
    private final ModelConfig config;
    private final PackedMatrix embedding; // (V, E)
    private final List<VectorBlock> blocks;
    private final float[] norm; // (E)
    private final PackedMatrix lmHead; // (V, E), the embedding itself when tied
    private final float[] cos; // (C, H)
    private final float[] sin; // (C, H)
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicReference<StepRows> spare = new AtomicReference<>(); // the last step's rows, for the next

    VectorTransformer(ModelWeights weights) {
        this.weights = weights;
        this.config = weights.config;
        this.embedding = weights.embedding;
        this.blocks = weights.blocks;
        this.norm = weights.norm;
        this.lmHead = weights.lmHead;
        float[][] tables = RotaryEmbedding.tables(config);
        this.cos = tables[0];
        this.sin = tables[1];
    }

    /** Whether this JVM runs with the Vector API ({@code --add-modules jdk.incubator.vector}). */
    public static boolean available() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /**
     * Loads a Hugging Face model folder (config.json and safetensors) with no tensor library: the weights go from the
     * mapped files into off-heap memory once, kept in the checkpoint's precision. Runtimes opened on the same folder in
     * one process share one copy of the weights, freed when the last closes; each keeps its own step state.
     *
     * @throws ai.patchwork.model.config.ModelFormatException when the folder is not a supported checkpoint
     */
    public static VectorTransformer load(Path modelDir) {
        return load(modelDir, Quantization.NONE);
    }

    /** The same with the matrices held as {@code quantization} says (norms and biases stay float32). */
    public static VectorTransformer load(Path modelDir, Quantization quantization) {
        return load(modelDir, quantization, Matmul.VECTOR, null);
    }

    /**
     * The same with BF16 projections multiplied as {@code matmul} says ({@link Matmul#AUTO}: oneDNN if it pays) and
     * the packed weights cached in {@code packedCacheDir} (null: none): the first load writes them to a file named by
     * the checkpoint's content hash, later loads (in any process) read that file instead of packing the
     * checkpoint again.
     */
    public static VectorTransformer load(Path modelDir, Quantization quantization, Matmul matmul, Path packedCacheDir) {
        if (!available()) {
            throw new IllegalStateException(
                    "the CPU runtime needs the Vector API: run java with --add-modules jdk.incubator.vector");
        }
        boolean blocked = matmul.nativeWeights(); // BF16 or int8 projections in oneDNN's layouts (PackedMatrix#pack)
        return new VectorTransformer(ModelWeights.acquire(modelDir, quantization, blocked, packedCacheDir));
    }

    /** How many weight matrices oneDNN multiplies ({@link Matmul}); the rest run on the Vector API. */
    public int nativeMatrices() {
        int n = weights.lmHead.precision().oneDnn() ? 1 : 0;
        for (VectorBlock b : weights.blocks) n += b.nativeMatrices();
        return n;
    }

    /** Bytes of weights held off the heap (a tied LM head counted once). */
    public long weightBytes() {
        return weights.bytes();
    }

    public ModelConfig config() {
        return config;
    }

    /** The weights this runtime steps with. */
    ModelWeights weights() {
        return weights;
    }

    /**
     * Runs the kernels on synthetic batches (base and LoRA rows, prefill and decode) so the JIT compiles them before
     * real requests arrive: up to {@code steps} steps of a miniature of this model within most of {@code budgetNanos},
     * then a few steps of this model ({@link WarmUp}). One thread, adapters held in {@link AdapterStorage#INT16}.
     */
    public void warmUp(int steps, long budgetNanos) {
        warmUp(steps, budgetNanos, StepThreads.single(), AdapterStorage.INT16);
    }

    /** The same on the threads the model will step on, with adapters held as its slots hold them: those paths compile. */
    public void warmUp(int steps, long budgetNanos, StepThreads threads, AdapterStorage storage) {
        WarmUp.run(this, steps, budgetNanos, threads, storage);
    }

    /**
     * One inference step: sequence b feeds {@code tokens[b]} at positions {@code starts[b]...} into KV slot
     * {@code kvSlots[b]}, with the adapter in LoRA slot {@code loraSlots[b]} (0 or a null array: none). Rows may have
     * different lengths; nothing is padded.
     *
     * @param lora the adapters' slots, or null when no sequence uses one
     * @return logits at the last new token of each sequence, (B, V)
     */
    public float[][] step(
            int[][] tokens, int[] starts, int[] kvSlots, int[] loraSlots, VectorKvCache cache, VectorLoraSlots lora) {
        return step(tokens, starts, kvSlots, loraSlots, cache, lora, StepThreads.single());
    }

    /**
     * The same step on several threads: matmuls split over their output columns, the row-wise work (norms, LoRA,
     * rotary, attention) over the rows. Each output is computed by the same code whatever the thread count, so the
     * logits match one thread's to float rounding (a SIMD sum may be ordered differently before and after the JIT
     * compiles it, on one thread as on several).
     */
    public float[][] step(
            int[][] tokens,
            int[] starts,
            int[] kvSlots,
            int[] loraSlots,
            VectorKvCache cache,
            VectorLoraSlots lora,
            StepThreads threads) {
        int e = config.hiddenSize();
        int v = config.vocabSize();
        for (int b = 0; b < tokens.length; b++) {
            if (kvSlots[b] < 0 || kvSlots[b] >= cache.slots())
                throw new IllegalArgumentException("slot " + kvSlots[b] + " out of range");
            if (starts[b] + tokens[b].length > cache.capacity()) {
                throw new IllegalArgumentException(
                        "sequence in slot " + kvSlots[b] + " would exceed the cache capacity " + cache.capacity());
            }
        }
        int rows = 0;
        for (int[] t : tokens) rows += t.length;
        int widen = lora == null ? 0 : lora.widenScratch();
        int maxRank = lora == null ? 1 : lora.maxRank();
        StepRows s = spare.getAndSet(null); // null while another thread steps: it then gets rows of its own
        if (s == null || !s.fits(rows, maxRank, widen, cache.capacity(), threads.count(), lora != null)) {
            s = new StepRows(
                    rows,
                    e,
                    (config.numHeads() + 2 * config.numKvHeads()) * config.headDim(),
                    config.qDim(),
                    config.intermediateSize(),
                    maxRank,
                    widen,
                    cache.capacity(),
                    threads.count(),
                    lora != null);
        }
        s.assign(tokens, starts, kvSlots, loraSlots);
        int r = 0;
        for (int[] row : tokens) {
            for (int id : row) {
                if (id < 0 || id >= v)
                    throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + v);
                embedding.row(id, s.x, r++ * e); // (E)
            }
        }
        for (VectorBlock block : blocks) block.forward(s, cache, lora, cos, sin, threads);
        float[] last = new float[tokens.length * e]; // (B, E)
        for (int b = 0; b < tokens.length; b++) {
            RowOps.rmsNorm(s.x, s.last[b] * e, norm, (float) config.rmsNormEps(), last, b * e);
        }
        float[] logits = new float[tokens.length * v];
        Gemm.matmul(last, tokens.length, lmHead, logits, threads); // (B, V)
        float[][] out = new float[tokens.length][];
        if (tokens.length == 1) out[0] = logits; // (1, V) is already the one row
        else for (int b = 0; b < tokens.length; b++) out[b] = Arrays.copyOfRange(logits, b * v, (b + 1) * v);
        spare.set(s);
        return out;
    }

    /** Lets go of the weights, freed when no other runtime on the same folder holds them; no step may run after. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) weights.release();
    }
}
