package ai.patchwork.model.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TokenLogprobTest {

    /** Reference: log-softmax in double, and a full sort by (logit desc, id asc). */
    @Test
    void matchesALogSoftmaxAndAFullSort() {
        SplittableRandom random = new SplittableRandom(11);
        for (int trial = 0; trial < 50; trial++) {
            float[] logits = new float[1 + random.nextInt(300)];
            for (int i = 0; i < logits.length; i++) logits[i] = (float) (random.nextGaussian() * 4);
            if (logits.length > 3) logits[2] = logits[1]; // a tie
            double max = Double.NEGATIVE_INFINITY;
            for (float x : logits) max = Math.max(max, x);
            double sum = 0;
            for (float x : logits) sum += Math.exp(x - max);
            double logZ = max + Math.log(sum);
            int chosen = random.nextInt(logits.length);
            int top = random.nextInt(TokenLogprob.MAX_TOP + 1);
            TokenLogprob lp = TokenLogprob.of(logits, chosen, top);
            assertEquals(chosen, lp.tokenId());
            assertEquals(logits[chosen] - logZ, lp.logprob(), 1e-5);
            int[] expected = IntStream.range(0, logits.length)
                    .boxed()
                    .sorted(Comparator.<Integer>comparingDouble(i -> -logits[i]).thenComparing(i -> i))
                    .limit(top)
                    .mapToInt(Integer::intValue)
                    .toArray();
            assertArrayEquals(expected, lp.topIds(), Arrays.toString(logits));
            for (int i = 0; i < lp.topCount(); i++) {
                assertEquals(logits[lp.topId(i)] - logZ, lp.topLogprob(i), 1e-5);
                if (i > 0) assertTrue(lp.topLogprob(i) <= lp.topLogprob(i - 1));
            }
        }
    }

    @Test
    void probabilitiesSumToOne() {
        float[] logits = {1f, 2f, 3f};
        TokenLogprob lp = TokenLogprob.of(logits, 0, 3);
        double total = 0;
        for (float x : lp.topLogprobs()) total += Math.exp(x);
        assertEquals(1, total, 1e-6);
        assertThrows(IllegalArgumentException.class, () -> TokenLogprob.of(logits, 0, 21));
    }
}
