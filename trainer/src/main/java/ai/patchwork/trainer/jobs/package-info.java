/**
 * Fine-tuning jobs (OpenAI's {@code /v1/fine_tuning/jobs}): the typed create command with Patchwork's LoRA and
 * schedule extension ({@link ai.patchwork.trainer.jobs.JobSettings}; the {@code api} module binds the HTTP body to
 * it), the client side
 * ({@link ai.patchwork.trainer.jobs.FineTuningJobs}) and what workers record while they run a job
 * ({@link ai.patchwork.trainer.jobs.JobProgress}).
 */
package ai.patchwork.trainer.jobs;
