package ai.patchwork.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

/**
 * The sigmoid DPO loss (Rafailov et al. 2023, as TRL's {@code DPOTrainer} computes it with {@code loss_type="sigmoid"}):
 *
 * <pre>
 *   log π(y|x)   = Σ_t mask_t · log π(y_t | x, y_&lt;t)          over the output's tokens only
 *   r_w = β·(log π(y_w|x) − log π_ref(y_w|x))                 implicit reward of the preferred output
 *   r_l = β·(log π(y_l|x) − log π_ref(y_l|x))                 and of the non-preferred one
 *   loss = mean over pairs of −log σ(r_w − r_l)               = softplus(r_l − r_w); ln 2 while π = π_ref
 * </pre>
 *
 * Sequences come in pairs, row 2i preferred and 2i+1 not. Dividing by the whole batch's pair count (not the
 * micro-batch's) makes micro-batch gradients add up to the batch's. Scalars that multiply graph tensors are tensors
 * of the micro-batch's manager: autograd keeps them for backward.
 */
final class PreferenceLoss {
    private PreferenceLoss() {}

    /**
     * @param loss the scalar to back-propagate: Σ over this micro-batch's pairs of −log σ(r_w − r_l), divided by the
     *     batch's pair count
     * @param chosen r_w of each pair (no gradient)
     * @param rejected r_l of each pair (no gradient)
     */
    record Terms(NDArray loss, float[] chosen, float[] rejected) {}

    /**
     * Log-probability of each row's weighted tokens.
     *
     * @param logits (2P, T, V)
     * @param ids (2P, T) int64
     * @param weights (2P, T): 1 on the output's tokens
     * @return (2P)
     */
    static NDArray sequenceLogProbs(NDArray logits, NDArray ids, NDArray weights) {
        NDArray perToken = PolicyLoss.tokenLogProbs(logits, ids); // (2P, T-1)
        return perToken.mul(weights.get(new NDIndex(":, 1:"))).sum(new int[] {1}); // (2P)
    }

    /**
     * @param policy (2P) log π of each row, with gradient
     * @param reference (2P) log π_ref of each row, no gradient
     * @param batchPairs the pairs of the whole batch
     */
    static Terms terms(NDArray policy, NDArray reference, float beta, long batchPairs, NDManager m) {
        NDArray rewards = policy.sub(reference).mul(m.create(beta)).reshape(-1, 2); // (P, 2)
        NDArray chosen = rewards.get(new NDIndex(":, 0")); // (P)
        NDArray rejected = rewards.get(new NDIndex(":, 1")); // (P)
        NDArray perPair = softplus(rejected.sub(chosen), m); // (P)
        NDArray loss = perPair.sum().div(m.create((float) Math.max(1, batchPairs))); // ()
        return new Terms(
                loss,
                chosen.stopGradient().toFloatArray(),
                rejected.stopGradient().toFloatArray());
    }

    /** log(1 + eˣ), stable for large |x|: max(x, 0) + log(1 + e^−|x|). */
    static NDArray softplus(NDArray x, NDManager m) {
        return x.maximum(0f).add(x.abs().neg().exp().add(m.create(1f)).log());
    }

    /** The reference op: −log σ(r_w − r_l) of one pair, in doubles. */
    static double pairLoss(double chosenReward, double rejectedReward) {
        double z = chosenReward - rejectedReward;
        return Math.max(-z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
    }
}
