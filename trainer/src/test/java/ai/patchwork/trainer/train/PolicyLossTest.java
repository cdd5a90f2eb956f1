package ai.patchwork.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The tensor objective against the formula written out per token in plain Java. */
class PolicyLossTest {

    @Test
    void matchesThePerTokenFormula() {
        int b = 3;
        int t = 5;
        Random random = new Random(3);
        float[] logp = new float[b * t];
        float[] old = new float[b * t];
        float[] ref = new float[b * t];
        float[] mask = new float[b * t];
        float[] adv = {1.3f, -0.7f, 0.2f};
        for (int i = 0; i < b * t; i++) {
            logp[i] = (float) (-3 * random.nextDouble());
            old[i] = logp[i] + (float) (0.6 * random.nextGaussian());
            ref[i] = logp[i] + (float) random.nextGaussian();
            mask[i] = i % t >= 2 ? 1 : 0;
        }
        float eps = 0.2f;
        float beta = 0.04f;
        long tokens = 20;

        // reference: l = −min(ρA, clip(ρ)A) + β(exp(r−lp) − (r−lp) − 1), summed over masked tokens, divided by N
        double loss = 0;
        double kl = 0;
        double clipped = 0;
        for (int i = 0; i < b * t; i++) {
            double a = adv[i / t];
            double rho = Math.exp(logp[i] - old[i]);
            double unclipped = rho * a;
            double clip = Math.min(Math.max(rho, 1 - eps), 1 + eps) * a;
            double d = ref[i] - logp[i];
            double k3 = Math.exp(d) - d - 1;
            loss += mask[i] * (-Math.min(unclipped, clip) + beta * k3);
            kl += mask[i] * k3;
            if (clip < unclipped) clipped += mask[i];
        }
        loss /= tokens;

        try (NDManager m = NDManager.newBaseManager()) {
            Shape s = new Shape(b, t);
            PolicyLoss.Terms terms = PolicyLoss.terms(
                    m.create(logp, s),
                    m.create(old, s),
                    m.create(ref, s),
                    m.create(adv, new Shape(b, 1)),
                    m.create(mask, s),
                    eps,
                    beta,
                    tokens,
                    m);
            assertEquals(loss, terms.loss().getFloat(), 1e-5);
            assertEquals(kl, terms.klSum(), 1e-4);
            assertEquals(clipped, terms.clippedSum(), 0);
        }
    }

    @Test
    void tokenLogProbsPickTheNextTokenOfEachPosition() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] logits = {0, 1, 2, /* */ 3, 0, 0, /* */ 1, 1, 1};
            NDArray lp = PolicyLoss.tokenLogProbs(
                    m.create(logits, new Shape(1, 3, 3)), m.create(new long[] {0, 2, 0}, new Shape(1, 3)));
            double z0 = Math.log(Math.exp(0) + Math.exp(1) + Math.exp(2));
            double z1 = Math.log(Math.exp(3) + 2);
            assertEquals(2 - z0, lp.getFloat(0, 0), 1e-6); // position 0 predicts token 2
            assertEquals(3 - z1, lp.getFloat(0, 1), 1e-6); // position 1 predicts token 0
        }
    }
}
