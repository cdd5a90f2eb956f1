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
 * Runs forward passes for the engine loop: the only place that touches the model, the KV cache and the LoRA ops.
 * Every step is one {@link Transformer#step} over the whole batch, whatever mix of adapters it holds; LoRA deltas
 * come from {@link BatchedLoraOps} (gathered slot weights, batched matmuls), never from a loop over adapters.
 *
 * <p>The decode step's LoRA op is kept while its mapping stays the same, so its gathered weights are reused step
 * after step; it is rebuilt only when a sequence joins or leaves (and regathers by itself when a slot is rewritten).
 * Prefill mappings change with every chunk, so prefill builds a fresh op and frees it after the step.
 */
final class ModelRunner implements AutoCloseable {

  private final Transformer model;
  private final KvCache cache;
  private final LoraSlots slots;
  private final NDManager manager;
  private int[] decodeMapping = new int[0];
  private BatchedLoraOps decodeOps;

  ModelRunner(Transformer model, KvCache cache, LoraSlots slots, NDManager manager) {
    this.model = model;
    this.cache = cache;
    this.slots = slots;
    this.manager = manager;
  }

  /**
   * One prefill step over right-padded chunks.
   *
   * @return logits at each row's last chunk token, (B, V)
   */
  float[][] prefill(int[][] tokens, int[] starts, int[] kvSlots, int[] loraSlots) {
    if (baseOnly(loraSlots)) return model.step(tokens, starts, kvSlots, cache, LoraOps.NONE);
    try (BatchedLoraOps ops = new BatchedLoraOps(slots, new BatchLoraMapping(loraSlots), manager)) {
      return model.step(tokens, starts, kvSlots, cache, ops);
    }
  }

  /** One decode step: one token per row. */
  float[][] decode(int[][] tokens, int[] positions, int[] kvSlots, int[] loraSlots) {
    return model.step(tokens, positions, kvSlots, cache, decodeOps(loraSlots));
  }

  private LoraOps decodeOps(int[] loraSlots) {
    if (!Arrays.equals(loraSlots, decodeMapping)) {
      if (decodeOps != null) decodeOps.close();
      decodeOps = baseOnly(loraSlots) ? null : new BatchedLoraOps(slots, new BatchLoraMapping(loraSlots), manager);
      decodeMapping = loraSlots.clone();
    }
    return decodeOps == null ? LoraOps.NONE : decodeOps;
  }

  private static boolean baseOnly(int[] loraSlots) {
    for (int s : loraSlots) if (s != 0) return false;
    return true;
  }

  @Override
  public void close() {
    if (decodeOps != null) decodeOps.close();
    decodeOps = null;
  }
}
