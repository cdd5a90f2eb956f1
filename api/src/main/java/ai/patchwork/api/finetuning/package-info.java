/**
 * {@code /v1/fine_tuning/jobs} in OpenAI's shapes, backed by the trainer module's jobs; and the worker role's wiring:
 * the Spring Batch job and the {@link ai.patchwork.trainer.worker.TrainerWorker} ({@code patchwork.fine-tuning.*}).
 */
package ai.patchwork.api.finetuning;
