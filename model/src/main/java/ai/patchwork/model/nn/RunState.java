package ai.patchwork.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.patchwork.model.kv.KvBinding;
import ai.patchwork.model.lora.LoraOps;

/**
 * Per-step state shared by all layers of one forward pass (llama2.c's RunState): rotary rows, the attention mask,
 * the KV cache binding and the LoRA op for this batch. Built by {@link Transformer}; its arrays belong to
 * {@code manager}.
 *
 * @param manager owns every intermediate of the step
 * @param cosSin rotary cos and sin, each (B, T, N+K, H), query rows pre-scaled by 1/√H
 * @param mask additive attention mask (B, 1, 1, T, L): 0 where a query may attend, -inf elsewhere
 * @param kv where keys and values go, or null to attend only within the step (training)
 * @param lora LoRA deltas for this batch ({@link LoraOps#NONE} for the base model)
 */
public record RunState(NDManager manager, NDArray[] cosSin, NDArray mask, KvBinding kv, LoraOps lora) {}
