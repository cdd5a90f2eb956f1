package ai.patchwork.serving;

import ai.patchwork.model.vector.StepThreads;
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
  private LoraPath decodePath = LoraPath.NONE;

  /**
   * @param threads the threads each step runs on; the engine owns and closes them
   */
  VectorRunner(VectorTransformer model, VectorKvCache cache, VectorLoraSlots slots, StepThreads threads) {
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
    return model.step(tokens, starts, kvSlots, loraSlots, cache, ModelRunner.baseOnly(loraSlots) ? null : slots,
        threads);
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
  public boolean fillsHoles() {
    return false;
  }

  @Override
  public LoraPath lastDecodePath() {
    return decodePath;
  }

  @Override
  public void close() {}
}
