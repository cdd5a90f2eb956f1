/**
 * LoRA, split as vLLM's lora/ package: {@link ai.patchwork.model.lora.PeftConfig} (adapter_config.json),
 * {@link ai.patchwork.model.lora.LoraWeights} and {@link ai.patchwork.model.lora.AdapterWeights} (host tier),
 * {@link ai.patchwork.model.lora.LoraSlots} (device tier, stacked slots), {@link ai.patchwork.model.lora.BatchLoraMapping}
 * (per-batch metadata), and the ops: {@link ai.patchwork.model.lora.ReferenceLoraOps} (ground truth),
 * {@link ai.patchwork.model.lora.BatchedLoraOps} (gather-BMM) and {@link ai.patchwork.model.lora.TrainableLora}
 * (autograd). Layers never touch the registry; the scheduler never touches tensors.
 */
package ai.patchwork.model.lora;
