package ai.patchwork.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.kv.KvBinding;
import ai.patchwork.model.kv.KvCache;
import ai.patchwork.model.lora.LoraOps;
import ai.patchwork.model.safetensors.Checkpoint;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * A Llama-family decoder: embedding, blocks, final norm, LM head. Hyperparameters ({@link ModelConfig}), weights
 * (this object, immutable after load) and per-step state ({@link RunState}, {@link KvCache}) are kept apart, as in
 * llama2.c. Weights are frozen; LoRA deltas come in per step through {@link LoraOps}.
 *
 * @param norm the final norm, before the LM head
 * @param head the LM head, (E, V)
 * @param manager owns the weights; closed with the model
 */
public record Transformer(
        ModelConfig config,
        Embedding embedding,
        List<TransformerBlock> blocks,
        RmsNorm norm,
        Linear head,
        RotaryEmbedding rope,
        NDManager manager)
        implements AutoCloseable {

    public Transformer {
        if (blocks.size() != config.numLayers())
            throw new IllegalArgumentException(blocks.size() + " blocks for " + config.numLayers() + " layers");
        blocks = List.copyOf(blocks);
    }

    /** Loads a Hugging Face model folder (config.json + safetensors) as float32 into a manager owned by the model. */
    public static Transformer load(Path modelDir, NDManager parent) {
        return load(modelDir, WeightStorage.FLOAT32, parent);
    }

    /** Loads a Hugging Face model folder into a manager owned by the model, its matrices stored as {@code storage} says. */
    public static Transformer load(Path modelDir, WeightStorage storage, NDManager parent) {
        ModelConfig config = ModelConfig.load(modelDir);
        NDManager manager = parent.newSubManager();
        try (Checkpoint ckpt = Checkpoint.open(modelDir)) {
            return TransformerWeights.load(config, ckpt, storage, manager);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Loads a Hugging Face model folder whose frozen matrices another runtime of the process already holds: the
     * model keeps only the checkpoint's norms and biases and reads every matrix from {@code external} for each use,
     * widened to float32. The model closes {@code external} when it closes (or when loading fails).
     */
    public static Transformer load(Path modelDir, ExternalWeights external, NDManager parent) {
        ModelConfig config = ModelConfig.load(modelDir);
        NDManager manager = parent.newSubManager();
        try (Checkpoint ckpt = Checkpoint.open(modelDir)) {
            manager.attachInternal("external-weights", external); // released with the model's manager
            return TransformerWeights.load(config, ckpt, external, manager);
        } catch (RuntimeException e) {
            manager.close();
            external.close();
            throw e;
        }
    }

    /** The LM head's weight, (E, V), or null when another runtime holds it. */
    public NDArray lmHead() {
        return head.weight();
    }

    /** True when some matrix is stored as float16 ({@link WeightStorage#HALF} on a 16-bit checkpoint). */
    public boolean hasHalfWeights() {
        return embedding.table() != null && embedding.table().getDataType() == DataType.FLOAT16
                || linears().anyMatch(l -> l.weight() != null && l.weight().getDataType() == DataType.FLOAT16);
    }

    /**
     * True when some matrix is widened to float32 for each use (float16, or held by another runtime): training such a
     * model back-propagates block by block ({@link BlockwiseBackward}), else the graph would hold every widened copy.
     */
    public boolean widensWeights() {
        return embedding.table() == null || hasHalfWeights() || linears().anyMatch(Linear::widened);
    }

    private Stream<Linear> linears() {
        return Stream.concat(
                Stream.of(head),
                blocks.stream()
                        .flatMap(b -> Stream.of(
                                b.attention().qkv(),
                                b.attention().o(),
                                b.mlp().gateUp(),
                                b.mlp().down())));
    }

    /** Number of weights (tied embeddings counted once). */
    public long parameterCount() {
        long n = (long) config.vocabSize() * embedding.width() + norm.weight().size();
        if (!config.tieWordEmbeddings()) n += head.inFeatures() * head.outFeatures();
        for (TransformerBlock b : blocks) {
            n += b.attentionNorm().weight().size() + b.mlpNorm().weight().size();
            for (Linear l : List.of(
                    b.attention().qkv(),
                    b.attention().o(),
                    b.mlp().gateUp(),
                    b.mlp().down())) {
                n += l.inFeatures() * l.outFeatures();
            }
            if (b.attention().qkv().bias() != null)
                n += b.attention().qkv().bias().size();
        }
        return n;
    }

    /**
     * One inference step for a batch with a KV cache: sequence b feeds {@code tokens[b]} at positions
     * {@code starts[b]...} into cache slot {@code slots[b]}. Rows may have different lengths (prefill); shorter rows
     * are padded, which requires {@code starts[b] + max length <= cache capacity}.
     *
     * @return logits at the last new token of each sequence, (B, V), as floats
     */
    public float[][] step(int[][] tokens, int[] starts, int[] slots, KvCache cache, LoraOps lora) {
        int b = tokens.length;
        int t = 0;
        for (int[] row : tokens) t = Math.max(t, row.length);
        try (NDManager step = manager.newSubManager()) {
            KvBinding kv = cache.bind(slots, starts, t, step);
            NDArray x = hidden(step, tokens, starts, t, kv.attended(), kv, lora); // (B, T, E)
            long[] rows = new long[b];
            long[] last = new long[b];
            for (int i = 0; i < b; i++) {
                rows[i] = i;
                last[i] = tokens[i].length - 1;
            }
            NDArray h = x.get(new NDIndex("{}, {}", step.create(rows), step.create(last))); // (B, E)
            NDArray logits = head.forward(norm.forward(h)); // (B, V)
            float[] flat = logits.toFloatArray();
            float[][] out = new float[b][];
            int v = config.vocabSize();
            for (int i = 0; i < b; i++) out[i] = Arrays.copyOfRange(flat, i * v, (i + 1) * v);
            return out;
        }
    }

    /**
     * A full causal forward without a cache (training, scoring): right-padded ids (B, T) → logits (B, T, V), attached
     * to {@code step}. Padding sits after each sequence, so the causal mask alone keeps it out of real positions.
     */
    public NDArray logits(NDArray ids, LoraOps lora, NDManager step) {
        int b = (int) ids.getShape().get(0);
        int t = (int) ids.getShape().get(1);
        int[] starts = new int[b];
        NDArray x = hidden(step, ids, starts, t, t, null, lora); // (B, T, E)
        return head(x);
    }

    /** The final norm and LM head: hidden states (B, T, E) → logits (B, T, V). */
    NDArray head(NDArray x) {
        return head.forward(norm.forward(x)); // (B, T, V)
    }

    private NDArray hidden(NDManager step, int[][] tokens, int[] starts, int t, int l, KvBinding kv, LoraOps lora) {
        long[] ids = new long[tokens.length * t];
        for (int i = 0; i < tokens.length; i++) {
            for (int j = 0; j < tokens[i].length; j++) ids[i * t + j] = tokens[i][j];
        }
        return hidden(step, step.create(ids, new Shape(tokens.length, t)), starts, t, l, kv, lora);
    }

    private NDArray hidden(NDManager step, NDArray ids, int[] starts, int t, int l, KvBinding kv, LoraOps lora) {
        RunState s = runState(step, starts, t, l, kv, lora);
        NDArray x = embedding.forward(ids, step); // (B, T, E)
        for (TransformerBlock block : blocks) x = block.forward(x, s);
        return x;
    }

    /** The rotary rows and causal mask of sequences starting at {@code starts}, T new tokens each, L attended. */
    RunState runState(NDManager step, int[] starts, int t, int l, KvBinding kv, LoraOps lora) {
        int b = starts.length;
        long[] positions = new long[b * t];
        float[] mask = new float[b * t * l];
        int maxPos = config.maxPositions() - 1;
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                int p = starts[i] + j;
                positions[i * t + j] = Math.min(p, maxPos);
                for (int k = p + 1; k < l; k++) mask[(i * t + j) * l + k] = Float.NEGATIVE_INFINITY;
            }
        }
        NDArray pos = step.create(positions, new Shape(b, t)); // (B, T)
        NDArray[] cosSin =
                rope.at(pos, config.numHeads(), config.numKvHeads(), (float) (1 / Math.sqrt(config.headDim())), step);
        return new RunState(step, cosSin, step.create(mask, new Shape(b, 1, 1, t, l)), kv, lora);
    }

    @Override
    public void close() {
        manager.close();
    }
}
