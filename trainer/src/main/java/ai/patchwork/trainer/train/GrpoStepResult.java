package ai.patchwork.trainer.train;

/**
 * What one GRPO step did.
 *
 * @param step the step number
 * @param rewardMean mean reward of the step's completions
 * @param rewardStd their standard deviation
 * @param zeroStdFraction fraction of groups whose completions all scored alike (no learning signal)
 * @param kl mean k3 KL to the base model per completion token
 * @param completionLength mean completion length in tokens
 * @param clipFraction fraction of completion tokens where the clipped ratio was used
 * @param learningRate the rate of this step
 * @param gradNorm the gradient norm of the last update, before clipping
 * @param completionTokens completion tokens trained on
 */
public record GrpoStepResult(
        int step,
        double rewardMean,
        double rewardStd,
        double zeroStdFraction,
        double kl,
        double completionLength,
        double clipFraction,
        double learningRate,
        double gradNorm,
        long completionTokens) {}
