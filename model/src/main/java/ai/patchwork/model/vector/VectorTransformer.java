package ai.patchwork.model.vector;

import ai.djl.ndarray.NDArray;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.nn.RotaryEmbedding;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.nn.TransformerBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A Llama-family decoder for inference on the CPU, as plain loops over float arrays with SIMD kernels: embedding,
 * blocks, final norm, LM head, like {@link Transformer#step} but with no tensor library in the loop. Weights are a heap
 * copy of a loaded {@link Transformer}'s, so both read the same checkpoint the same way; the DJL model may be closed
 * afterwards. Thread-safe; the state of a step lives in the {@link VectorKvCache}, and the activations of the last
 * step are kept for the next one that fits.
 *
 * <pre>
 *   VectorTransformer cpu = VectorTransformer.of(model);
 *   VectorKvCache cache = new VectorKvCache(cpu.config(), 8, 512);
 *   float[][] logits = cpu.step(prompts, new int[8], kvSlots, null, cache, null); // prefill
 * </pre>
 */
public final class VectorTransformer {

  private final ModelConfig config;
  private final WeightArray embedding; // (V, E)
  private final List<VectorBlock> blocks;
  private final float[] norm; // (E)
  private final Gemm.Packed lmHead; // (V, E)
  private final float[] cos; // (C, H)
  private final float[] sin; // (C, H)
  private final AtomicReference<StepRows> spare = new AtomicReference<>(); // the last step's rows, for the next

  private VectorTransformer(ModelConfig config, float[] embedding, List<VectorBlock> blocks, float[] norm,
      float[] lmHead) {
    this.config = config;
    this.embedding = WeightArray.of(embedding);
    this.blocks = List.copyOf(blocks);
    this.norm = norm;
    this.lmHead = Gemm.Packed.of(lmHead, config.vocabSize(), config.hiddenSize());
    float[][] tables = RotaryEmbedding.tables(config);
    this.cos = tables[0];
    this.sin = tables[1];
  }

  /** Whether this JVM runs with the Vector API ({@code --add-modules jdk.incubator.vector}). */
  public static boolean available() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }

  /** Copies the weights of a loaded model into heap arrays. */
  public static VectorTransformer of(Transformer model) {
    if (!available()) {
      throw new IllegalStateException("the CPU runtime needs the Vector API: run java with --add-modules jdk.incubator.vector");
    }
    ModelConfig c = model.config();
    List<VectorBlock> blocks = new ArrayList<>();
    for (int l = 0; l < c.numLayers(); l++) {
      TransformerBlock b = model.blocks().get(l);
      NDArray bias = b.attention().qkv().bias();
      blocks.add(new VectorBlock(l, c, floats(b.attentionNorm().weight()), rows(b.attention().qkv().weight()),
          bias == null ? null : floats(bias), rows(b.attention().o().weight()), floats(b.mlpNorm().weight()),
          rows(b.mlp().gateUp().weight()), rows(b.mlp().down().weight())));
    }
    return new VectorTransformer(c, floats(model.embedding().table()), blocks, floats(model.norm().weight()),
        rows(model.lmHead()));
  }

  public ModelConfig config() {
    return config;
  }

  /**
   * Runs the kernels on a few synthetic batches (base and LoRA rows, prefill and decode) so the JIT compiles them
   * before real requests arrive; stops after {@code steps} decode steps or {@code budgetNanos}. One thread, adapters
   * held in {@link AdapterStorage#INT16}.
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
  public float[][] step(int[][] tokens, int[] starts, int[] kvSlots, int[] loraSlots, VectorKvCache cache,
      VectorLoraSlots lora) {
    return step(tokens, starts, kvSlots, loraSlots, cache, lora, StepThreads.single());
  }

  /**
   * The same step on several threads: matmuls split over their output columns, the row-wise work (norms, LoRA,
   * rotary, attention) over the rows. Each output is computed by the same code whatever the thread count, so the
   * logits match one thread's to float rounding (a SIMD sum may be ordered differently before and after the JIT
   * compiles it, on one thread as on several).
   */
  public float[][] step(int[][] tokens, int[] starts, int[] kvSlots, int[] loraSlots, VectorKvCache cache,
      VectorLoraSlots lora, StepThreads threads) {
    int e = config.hiddenSize();
    int v = config.vocabSize();
    for (int b = 0; b < tokens.length; b++) {
      if (kvSlots[b] < 0 || kvSlots[b] >= cache.slots()) throw new IllegalArgumentException("slot " + kvSlots[b] + " out of range");
      if (starts[b] + tokens[b].length > cache.capacity()) {
        throw new IllegalArgumentException("sequence in slot " + kvSlots[b] + " would exceed the cache capacity " + cache.capacity());
      }
    }
    int rows = 0;
    for (int[] t : tokens) rows += t.length;
    int widen = lora == null ? 0 : lora.widenScratch();
    int maxRank = lora == null ? 1 : lora.maxRank();
    StepRows s = spare.getAndSet(null); // null while another thread steps: it then gets rows of its own
    if (s == null || !s.fits(rows, maxRank, widen, cache.capacity(), threads.count(), lora != null)) {
      s = new StepRows(rows, e, (config.numHeads() + 2 * config.numKvHeads()) * config.headDim(), config.qDim(),
          config.intermediateSize(), maxRank, widen, cache.capacity(), threads.count(), lora != null);
    }
    s.assign(tokens, starts, kvSlots, loraSlots);
    int r = 0;
    for (int[] row : tokens) {
      for (int id : row) {
        if (id < 0 || id >= v) throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + v);
        embedding.copyTo(id * e, s.x, r++ * e, e); // (E)
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
    for (int b = 0; b < tokens.length; b++) out[b] = java.util.Arrays.copyOfRange(logits, b * v, (b + 1) * v);
    spare.set(s);
    return out;
  }

  private static float[] floats(NDArray a) {
    return a.toFloatArray();
  }

  /** A DJL projection weight (in, out) as the (out, in) rows {@link Gemm} reads. */
  private static float[] rows(NDArray inOut) {
    int in = (int) inOut.getShape().get(0);
    int out = (int) inOut.getShape().get(1);
    float[] a = inOut.toFloatArray();
    float[] t = new float[a.length];
    for (int i = 0; i < in; i++) {
      for (int o = 0; o < out; o++) t[o * in + i] = a[i * out + o];
    }
    return t;
  }
}
