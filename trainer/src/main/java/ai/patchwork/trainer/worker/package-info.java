/**
 * The {@code worker} role: {@link ai.patchwork.trainer.worker.TrainerWorker} claims fine-tuning jobs from PostgreSQL
 * ({@link ai.patchwork.trainer.worker.JobQueue}: {@code FOR UPDATE SKIP LOCKED}, a lease renewed by heartbeat) and
 * runs them with the Spring Batch job of {@code ai.patchwork.trainer.batch}.
 */
package ai.patchwork.trainer.worker;
