/**
 * Fine-tuning jobs (OpenAI's {@code /v1/fine_tuning/jobs}): the create request with Patchwork's LoRA and schedule
 * extension ({@link ai.patchwork.trainer.jobs.CreateJobRequest}), the client side
 * ({@link ai.patchwork.trainer.jobs.FineTuningJobs}) and what workers record while they run a job
 * ({@link ai.patchwork.trainer.jobs.JobProgress}).
 */
package ai.patchwork.trainer.jobs;
