package ai.patchwork.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * GRPO's per-token objective, as TRL's {@code GRPOTrainer} computes it with {@code loss_type="dapo"}:
 *
 * <pre>
 *   ρ = exp(log π(o_t) − log π_old(o_t))                      importance ratio (1 when fully on-policy)
 *   l = −min(ρ·A, clip(ρ, 1−ε, 1+ε)·A) + β·(exp(r − log π) − (r − log π) − 1)     r = log π_ref(o_t), the k3 KL
 *   loss = Σ_{i,t} l·mask / N                                  N = completion tokens of the whole batch
 * </pre>
 *
 * Dividing by the whole batch's token count (not the micro-batch's) makes micro-batch gradients add up to the
 * batch's. Scalars that multiply graph tensors are tensors of the step's manager: autograd keeps them for backward.
 */
final class PolicyLoss {
    private PolicyLoss() {}

    /**
     * @param loss the scalar to back-propagate
     * @param klSum Σ k3·mask (no gradient), for the mean KL
     * @param clippedSum Σ mask over tokens where the clipped term won (no gradient)
     */
    record Terms(NDArray loss, float klSum, float clippedSum) {}

    /**
     * @param logits (B, T, V) of the sequences
     * @param ids (B, T) int64
     * @return log-probability of each next token, (B, T−1): position t scores token t+1
     */
    static NDArray tokenLogProbs(NDArray logits, NDArray ids) {
        NDArray logp = logits.get(new NDIndex(":, :-1")).logSoftmax(-1); // (B, T-1, V)
        NDArray targets = ids.get(new NDIndex(":, 1:")).expandDims(-1); // (B, T-1, 1)
        return logp.gather(targets, -1).squeeze(-1); // (B, T-1)
    }

    /**
     * @param logp (B, T−1) current policy, with gradient
     * @param oldLogp (B, T−1) the policy that sampled, no gradient
     * @param refLogp (B, T−1) the base model's, no gradient; null when β is 0 and no KL is wanted
     * @param advantages (B, 1) one per sequence
     * @param mask (B, T−1) 1 where the target is a completion token
     * @param tokens N, the completion tokens of the whole batch
     */
    static Terms terms(
            NDArray logp,
            NDArray oldLogp,
            NDArray refLogp,
            NDArray advantages,
            NDArray mask,
            float epsilon,
            float beta,
            long tokens,
            NDManager m) {
        NDArray ratio = logp.sub(oldLogp).exp(); // (B, T-1)
        NDArray unclipped = ratio.mul(advantages); // (B, T-1)
        NDArray clipped = ratio.clip(1 - epsilon, 1 + epsilon).mul(advantages); // (B, T-1)
        NDArray objective = unclipped.minimum(clipped); // (B, T-1)
        NDArray perToken = objective.neg(); // (B, T-1)
        float klSum = 0;
        if (refLogp != null) {
            NDArray d = refLogp.sub(logp); // (B, T-1)
            NDArray kl = d.exp().sub(d).sub(m.create(1f)); // (B, T-1)
            klSum = kl.mul(mask).sum().getFloat();
            if (beta != 0) perToken = perToken.add(kl.mul(m.create(beta))); // (B, T-1)
        }
        NDArray loss = perToken.mul(mask).sum().div(m.create((float) Math.max(1, tokens))); // ()
        NDArray won = clipped.lt(unclipped).toType(DataType.FLOAT32, false); // (B, T-1) the clip was active
        float clippedSum = won.mul(mask).sum().getFloat();
        return new Terms(loss, klSum, clippedSum);
    }
}
