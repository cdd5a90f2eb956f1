/**
 * One fine-tuning job as a Spring Batch job of small tasklet steps (validate, tokenize, train in checkpointed
 * chunks, export, register), with its JobRepository in PostgreSQL so that any worker can restart it where another
 * stopped. {@link ai.patchwork.trainer.batch.FineTuningRunner} is what workers call.
 */
package ai.patchwork.trainer.batch;
