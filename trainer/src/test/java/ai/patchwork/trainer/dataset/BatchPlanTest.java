package ai.patchwork.trainer.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Batches by length, every example once per epoch, and the same plan for the same seed (exact resume). */
class BatchPlanTest {

    static int[] lengths(int n) {
        Random r = new Random(1);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = 5 + r.nextInt(200);
        return out;
    }

    @Test
    void everyEpochCoversEveryExampleOnceInBatchesOfSimilarLength() {
        // given 1000 examples of random lengths in batches of 16
        int[] lengths = lengths(1000);
        BatchPlan plan = new BatchPlan(lengths, 16, 9);

        // when the batches of one epoch are taken
        TreeSet<Integer> seen = new TreeSet<>();
        double spread = 0;
        for (int b = 0; b < plan.batchesPerEpoch(); b++) {
            int[] batch = plan.batch(0, b);
            int min = Integer.MAX_VALUE;
            int max = 0;
            for (int i : batch) {
                assertTrue(seen.add(i), "example " + i + " twice");
                min = Math.min(min, lengths[i]);
                max = Math.max(max, lengths[i]);
            }
            spread += max - min;
        }

        // then all are seen once, and a batch spans far less than the 200-token range of the data
        assertEquals(1000, seen.size());
        assertEquals(63, plan.batchesPerEpoch());
        assertTrue(spread / plan.batchesPerEpoch() < 40, "mean length spread " + spread / plan.batchesPerEpoch());
    }

    @Test
    void thePlanIsAFunctionOfSeedAndEpoch() {
        int[] lengths = lengths(100);
        BatchPlan a = new BatchPlan(lengths, 8, 5);
        BatchPlan b = new BatchPlan(lengths, 8, 5);
        assertArrayEquals(a.batchOfStep(20), b.batchOfStep(20));
        assertEquals(1, a.epochOfStep(20));
        assertFalse(Arrays.equals(a.batch(0, 0), a.batch(1, 0)), "epochs reshuffle");
        assertFalse(Arrays.equals(a.batch(0, 0), new BatchPlan(lengths, 8, 6).batch(0, 0)), "seeds differ");
    }
}
