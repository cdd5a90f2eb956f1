/**
 * LoRA supervised fine-tuning: files ({@code files}), fine-tuning jobs with their events and checkpoints
 * ({@code jobs}), the training data path ({@code dataset}), the training loop ({@code train}), the Spring Batch job
 * that runs one fine-tuning job in small steps ({@code batch}) and the worker that claims jobs from PostgreSQL
 * ({@code worker}). The api module exposes {@code files} and {@code jobs} over HTTP; nothing here knows HTTP.
 */
package ai.patchwork.trainer;
