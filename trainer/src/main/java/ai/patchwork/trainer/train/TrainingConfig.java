package ai.patchwork.trainer.train;

import ai.patchwork.model.lora.PeftConfig;
import java.util.Objects;

/**
 * Everything the loop needs to train one adapter, resolved (no "auto" left).
 *
 * @param lora rank, alpha, rsLoRA and target modules of the adapter
 * @param dropout lora_dropout in [0, 1)
 * @param schedule the learning rate per update (peak, warmup, decay, total steps)
 * @param maxGradNorm clip the global gradient norm to this; 0 disables clipping
 * @param weightDecay AdamW's decoupled weight decay λ
 * @param microBatchSize examples per forward pass; a batch larger than this is split and its gradients accumulated
 * @param seed seeds the adapter's initial weights and the dropout masks of each step
 */
public record TrainingConfig(
        PeftConfig lora,
        double dropout,
        LrSchedule schedule,
        double maxGradNorm,
        double weightDecay,
        int microBatchSize,
        long seed) {

    public TrainingConfig {
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("lora dropout must be in [0, 1)");
        if (!(maxGradNorm >= 0)) throw new IllegalArgumentException("max grad norm must not be negative");
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay must not be negative");
        if (microBatchSize < 1) throw new IllegalArgumentException("micro batch size must be at least 1");
        Objects.requireNonNull(lora, "lora");
        Objects.requireNonNull(schedule, "schedule");
    }
}
