package ai.patchwork.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The tensor DPO loss against the formula written out per pair in plain Java. */
class PreferenceLossTest {

    @Test
    void matchesThePerPairFormula() {
        // given 4 pairs of sequence log-probabilities, some with large reward gaps either way
        Random random = new Random(5);
        float[] policy = new float[8];
        float[] reference = new float[8];
        for (int i = 0; i < 8; i++) {
            reference[i] = (float) (-20 * random.nextDouble());
            policy[i] = reference[i] + (float) (40 * random.nextGaussian());
        }
        float beta = 0.3f;
        long batchPairs = 6;

        // reference: r = β(π − π_ref); loss = Σ −log σ(r_w − r_l) / pairs of the batch
        double loss = 0;
        double[] chosen = new double[4];
        double[] rejected = new double[4];
        for (int p = 0; p < 4; p++) {
            chosen[p] = beta * (policy[2 * p] - reference[2 * p]);
            rejected[p] = beta * (policy[2 * p + 1] - reference[2 * p + 1]);
            loss += -Math.log(1 / (1 + Math.exp(-(chosen[p] - rejected[p]))));
        }
        loss /= batchPairs;

        try (NDManager m = NDManager.newBaseManager()) {
            PreferenceLoss.Terms t = PreferenceLoss.terms(
                    m.create(policy, new Shape(8)), m.create(reference, new Shape(8)), beta, batchPairs, m);
            assertEquals(loss, t.loss().getFloat(), 1e-4 * Math.max(1, loss));
            for (int p = 0; p < 4; p++) {
                assertEquals(chosen[p], t.chosen()[p], 1e-4);
                assertEquals(rejected[p], t.rejected()[p], 1e-4);
                assertEquals(
                        -Math.log(1 / (1 + Math.exp(-(chosen[p] - rejected[p])))),
                        PreferenceLoss.pairLoss(chosen[p], rejected[p]),
                        1e-9);
            }
        }
    }

    @Test
    void equalPoliciesGiveLn2AndLargeGapsStayFinite() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray same = m.create(new float[] {-3, -5, -7, -2}, new Shape(4));
            assertEquals(
                    Math.log(2),
                    PreferenceLoss.terms(same, same, 0.1f, 2, m).loss().getFloat(),
                    1e-6);
            NDArray x = m.create(new float[] {-2000, 2000, 2000, -2000}, new Shape(4));
            assertEquals(
                    2000,
                    PreferenceLoss.softplus(m.create(new float[] {2000f}), m).getFloat(),
                    1e-3);
            // pair 0 prefers the wrong output by 4000 (loss 4000), pair 1 the right one (loss 0); mean over 2 pairs
            float l = PreferenceLoss.terms(x, m.zeros(new Shape(4)), 1f, 2, m)
                    .loss()
                    .getFloat();
            assertEquals(2000, l, 1e-2);
        }
    }
}
