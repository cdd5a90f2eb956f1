/**
 * The LoRA training loop on DJL: {@link ai.patchwork.trainer.train.LoraTrainer} (gradient accumulation, clipping,
 * AdamW with its moments kept for checkpoints, warmup and decay), evaluation (loss and mean token accuracy) and
 * {@link ai.patchwork.trainer.train.TrainingCheckpoint} for exact resume. No Spring, no database.
 */
package ai.patchwork.trainer.train;
