package ai.patchwork.trainer.train;

import java.util.Objects;

/**
 * A GRPO run's settings, resolved.
 *
 * @param training the adapter, schedule, clipping, weight decay, micro-batch size and seed (dropout is usually 0)
 * @param groupSize G, completions sampled per prompt, at least 2 (advantages compare a completion with its group)
 * @param beta weight of the k3 KL penalty to the base model (the adapter switched off); 0 for none
 * @param epsilon the policy ratio is clipped to [1−ε, 1+ε]
 * @param maxCompletionTokens tokens sampled per completion at most
 * @param temperature sampling temperature of the rollouts, above 0
 * @param iterations μ, updates per batch of rollouts (TRL's num_iterations); above 1 the ratio leaves 1 and clips
 */
public record GrpoConfig(
        TrainingConfig training,
        int groupSize,
        double beta,
        double epsilon,
        int maxCompletionTokens,
        double temperature,
        int iterations) {

    public GrpoConfig {
        Objects.requireNonNull(training, "training");
        if (groupSize < 2) throw new IllegalArgumentException("group size must be at least 2");
        if (!(beta >= 0)) throw new IllegalArgumentException("beta must not be negative");
        if (!(epsilon > 0 && epsilon < 1)) throw new IllegalArgumentException("epsilon must be in (0, 1)");
        if (maxCompletionTokens < 1) throw new IllegalArgumentException("max completion tokens must be at least 1");
        if (!(temperature > 0)) throw new IllegalArgumentException("the sampling temperature must be above 0");
        if (iterations < 1) throw new IllegalArgumentException("iterations must be at least 1");
    }
}
