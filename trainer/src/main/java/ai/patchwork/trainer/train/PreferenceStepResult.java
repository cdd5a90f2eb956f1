package ai.patchwork.trainer.train;

/**
 * What one DPO update (or an evaluation) saw, before the update.
 *
 * @param step the update's number, from 1; 0 for an evaluation
 * @param loss mean sigmoid DPO loss over the pairs
 * @param rewardChosen mean implicit reward β·(log π − log π_ref) of the preferred outputs
 * @param rewardRejected the same of the non-preferred outputs
 * @param accuracy fraction of pairs whose preferred output has the higher reward
 * @param learningRate the rate the update used; 0 for an evaluation
 * @param gradNorm the global gradient norm before clipping; 0 for an evaluation
 * @param pairs pairs seen
 * @param targetTokens output tokens of both sides
 */
public record PreferenceStepResult(
        int step,
        double loss,
        double rewardChosen,
        double rewardRejected,
        double accuracy,
        double learningRate,
        double gradNorm,
        int pairs,
        long targetTokens) {

    /** Mean of chosen minus rejected reward. */
    public double margin() {
        return rewardChosen - rewardRejected;
    }
}
