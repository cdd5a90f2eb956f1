/**
 * Training files: JSONL parsing and validation with line numbers ({@link ai.patchwork.trainer.dataset.JsonlParser}),
 * tokenization with the base model's chat template and loss weights on assistant tokens only
 * ({@link ai.patchwork.trainer.dataset.ExampleEncoder}), the stored tokenized form, and batching by length
 * ({@link ai.patchwork.trainer.dataset.BatchPlan}). Depends on the model module's tokenizer; no Spring, no tensors.
 */
package ai.patchwork.trainer.dataset;
