package ai.patchwork.serving;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.patchwork.model.Devices;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.kv.KvBlocks;
import ai.patchwork.model.kv.KvCache;
import ai.patchwork.model.lora.AdapterSlots;
import ai.patchwork.model.lora.BatchLoraMapping;
import ai.patchwork.model.lora.BatchedLoraOps;
import ai.patchwork.model.lora.LoraOps;
import ai.patchwork.model.lora.LoraSlots;
import ai.patchwork.model.nn.Transformer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The {@link ModelRunner} on the DJL forward: the only place that touches the tensor model, its KV cache and the LoRA
 * ops. Every step is one {@link Transformer#step} over the whole batch, whatever mix of adapters it holds; LoRA deltas
 * come from {@link BatchedLoraOps} (batched matmuls over stacked slot weights), never from a loop over adapters.
 *
 * <p>Decode steps pick one of three LoRA paths ({@link LoraPath}): none when every row is on the base model; the
 * adapter cache's slot read directly when every real row uses the same adapter (one copy of the weights, broadcast
 * over the batch, which reads less than B copies); otherwise the {@link LoraRows} aligned with the KV slots, which
 * the rows of a decode step read as a view. The decode op is kept while its path and mapping stay the same; with
 * aligned rows the mapping changes only when the highest KV slot in use does, and even then nothing is gathered.
 * Prefill mappings change with every chunk, so prefill builds a fresh op over the cache's slots and frees it after
 * the step.
 */
final class DjlRunner implements ModelRunner {

    private final Transformer model;
    private final KvCache cache;
    private final LoraSlots slots;
    private final LoraRows rows;
    private final NDManager manager;
    private final KvBlocks prefix; // null without prefix caching
    private LoraPath decodePath = LoraPath.NONE;
    private int[] decodeMapping = new int[0];
    private BatchedLoraOps decodeOps;
    private final List<AutoCloseable> owned = new ArrayList<>(); // closed in reverse after the decode op

    /** Positions per prefix-cache block (vLLM's default). */
    private static final int PREFIX_BLOCK = 16;

    /**
     * Starts PyTorch on the chosen device, loads the tensor model and allocates its KV cache, adapter slots, the rows
     * aligned with the KV slots and the prefix cache's blocks, all owned by the runner.
     *
     * @param config the engine's settings: the checkpoint, PyTorch's threads, the batch, the adapter slots and the
     *     prefix cache's bound
     * @param mc the checkpoint's hyperparameters
     * @param context positions per sequence the KV cache holds
     */
    DjlRunner(EngineConfig config, ModelConfig mc, int context) {
        this.manager = own(Devices.newManager());
        // Process-wide in PyTorch: every thread's ops, this engine's and any other's, use the same count.
        if (config.intraOpThreads() > 0) JniUtils.setNumThreads(config.intraOpThreads());
        try {
            this.model = own(Transformer.load(config.modelDir(), manager));
            this.cache = own(new KvCache(mc, config.maxBatchSize(), context, manager));
            this.slots = own(new LoraSlots(mc, config.adapterSlots(), config.maxLoraRank(), manager));
            this.rows = own(new LoraRows(mc, config.maxBatchSize(), slots, manager));
            int blocks = KvBlockPool.blocks(config, context, KvBlocks.blockBytes(mc, PREFIX_BLOCK), PREFIX_BLOCK);
            this.prefix = blocks > 0 ? own(new KvBlocks(mc, blocks, PREFIX_BLOCK, manager)) : null;
        } catch (RuntimeException | Error e) {
            closeOwned();
            throw e;
        }
    }

    private <T extends AutoCloseable> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    /** Closes what the runner owns, the last allocated first. */
    private void closeOwned() {
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception e) {
                throw new IllegalStateException("closing " + owned.get(i), e);
            }
        }
        owned.clear();
    }

    /** Copies the sequence's adapter into the row aligned with its KV slot. */
    @Override
    public void admit(int kvSlot, AdapterLease lease) {
        rows.place(kvSlot, lease);
    }

    @Override
    public float[][] prefill(int[][] tokens, int[] starts, int[] kvSlots, int[] loraSlots) {
        if (ModelRunner.baseOnly(loraSlots)) return model.step(tokens, starts, kvSlots, cache, LoraOps.NONE);
        try (BatchedLoraOps ops = new BatchedLoraOps(slots, new BatchLoraMapping(loraSlots), manager)) {
            return model.step(tokens, starts, kvSlots, cache, ops);
        }
    }

    @Override
    public float[][] decode(int[][] tokens, int[] positions, int[] kvSlots, int[] loraSlots) {
        return model.step(tokens, positions, kvSlots, cache, decodeOps(kvSlots, loraSlots));
    }

    @Override
    public void copyKv(int from, int to, int positions) {
        cache.copy(from, to, positions);
    }

    @Override
    public KvBlockPool prefixBlocks() {
        return prefix == null ? null : KvBlockPool.of(prefix, cache);
    }

    /** Reading KV slots 0..B-1 is a view of the cache; any other set is a gather. */
    @Override
    public boolean fillsHoles() {
        return true;
    }

    @Override
    public LoraPath lastDecodePath() {
        return decodePath;
    }

    private LoraOps decodeOps(int[] kvSlots, int[] loraSlots) {
        LoraPath path = ModelRunner.baseOnly(loraSlots)
                ? LoraPath.NONE
                : ModelRunner.shared(loraSlots) ? LoraPath.SHARED : LoraPath.ROWS;
        int[] mapping = path == LoraPath.ROWS ? LoraRows.mapping(kvSlots) : loraSlots;
        if (path != decodePath || !Arrays.equals(mapping, decodeMapping)) {
            if (decodeOps != null) decodeOps.close();
            decodeOps = switch (path) {
                case NONE -> null;
                case SHARED -> new BatchedLoraOps(slots, new BatchLoraMapping(mapping), manager);
                case ROWS -> new BatchedLoraOps(rows.slots(), new BatchLoraMapping(mapping), manager);
                case SLOTS -> throw new IllegalStateException("SLOTS is the CPU runtime's path");
            };
            decodePath = path;
            decodeMapping = mapping;
        }
        return decodeOps == null ? LoraOps.NONE : decodeOps;
    }

    @Override
    public AdapterSlots slots() {
        return slots;
    }

    @Override
    public void close() {
        if (decodeOps != null) decodeOps.close();
        decodeOps = null;
        closeOwned();
    }
}
