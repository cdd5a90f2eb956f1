package ai.patchwork.trainer.jobs;

import java.time.Instant;
import java.util.Map;

/**
 * A checkpoint (OpenAI's {@code fine_tuning.job.checkpoint}): the metrics at a step; its weights and optimizer state
 * stay in the object store while it is among the job's last {@value JobProgress#KEPT_CHECKPOINTS}.
 *
 * @param id {@code ftckpt-…}
 * @param createdAt when it was taken
 * @param jobId the job
 * @param stepNumber optimizer steps done
 * @param fineTunedModelCheckpoint {@code <fine-tuned model name>:ckpt-step-<n>}
 * @param metrics step, train_loss, train_mean_token_accuracy, valid_loss, valid_mean_token_accuracy
 * @param sha256 the stored checkpoint, or null once pruned
 */
public record JobCheckpoint(
        String id,
        Instant createdAt,
        String jobId,
        int stepNumber,
        String fineTunedModelCheckpoint,
        Map<String, Object> metrics,
        String sha256) {}
