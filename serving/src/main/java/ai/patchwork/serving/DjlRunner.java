package ai.patchwork.serving;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.kv.KvCache;
import ai.patchwork.model.lora.BatchLoraMapping;
import ai.patchwork.model.lora.BatchedLoraOps;
import ai.patchwork.model.lora.LoraOps;
import ai.patchwork.model.lora.LoraSlots;
import ai.patchwork.model.nn.Transformer;
import java.util.Arrays;

/**
 * The {@link ModelRunner} on the DJL forward: the only place that touches the tensor model, its KV cache and the LoRA
 * ops. Every step is one {@link Transformer#step} over the whole batch, whatever mix of adapters it holds; LoRA deltas
 * come from {@link BatchedLoraOps} (batched matmuls over stacked slot weights), never from a loop over adapters.
 *
 * <p>Decode steps pick one of three LoRA paths ({@link LoraPath}): none when every row is on the base model; the
 * adapter cache's slot read directly when every real row uses the same adapter (one copy of the weights, broadcast
 * over the batch — measured faster than B copies); otherwise the {@link LoraRows} aligned with the KV slots, which
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
  private final boolean sharedFastPath;
  private LoraPath decodePath = LoraPath.NONE;
  private int[] decodeMapping = new int[0];
  private BatchedLoraOps decodeOps;

  /**
   * @param sharedFastPath whether a decode step whose real rows share one adapter reads that adapter's slot directly
   *     instead of the aligned rows
   */
  DjlRunner(Transformer model, KvCache cache, LoraSlots slots, LoraRows rows, NDManager manager,
      boolean sharedFastPath) {
    this.model = model;
    this.cache = cache;
    this.slots = slots;
    this.rows = rows;
    this.manager = manager;
    this.sharedFastPath = sharedFastPath;
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
    LoraPath path = ModelRunner.baseOnly(loraSlots) ? LoraPath.NONE
        : sharedFastPath && ModelRunner.shared(loraSlots) ? LoraPath.SHARED : LoraPath.ROWS;
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
  public void close() {
    if (decodeOps != null) decodeOps.close();
    decodeOps = null;
  }
}
