package ai.patchwork.model.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The attention kernels against their plain loops: head sizes and position counts with and without SIMD tails. */
class AttentionOpsTest {

    /** Keys in blocks of positions: each dimension's positions of a block side by side, blocks one after another. */
    @org.junit.jupiter.api.Test
    void keysLieInBlocksOfPositions() {
        int b = AttentionOps.BLOCK;
        assertEquals(0, AttentionOps.keyAt(0, 0, 32));
        assertEquals(1, AttentionOps.keyAt(1, 0, 32));
        assertEquals(b, AttentionOps.keyAt(0, 1, 32));
        assertEquals(32 * b, AttentionOps.keyAt(b, 0, 32));
        assertEquals(2 * 32 * b + 5 * b + 3, AttentionOps.keyAt(2 * b + 3, 5, 32));
    }

    @ParameterizedTest
    @CsvSource({"32, 1, 64", "32, 67, 96", "32, 200, 256", "16, 5, 8", "12, 64, 64", "24, 131, 140", "64, 16, 20"})
    void scoresEqualTheirLoop(int hd, int len, int capacity) {
        SplittableRandom r = new SplittableRandom(hd * 1000 + len);
        float[] q = GemmTest.random(hd + 3, r);
        int span = (capacity + AttentionOps.BLOCK - 1) / AttentionOps.BLOCK * AttentionOps.BLOCK;
        float[] keys = GemmTest.random(2 * hd * span, r); // two heads; the second one is read
        float[] fast = new float[len + 1];
        float[] slow = new float[len + 1];
        Arrays.fill(fast, 7f);
        Arrays.fill(slow, 7f);
        float scale = (float) (1 / Math.sqrt(hd));
        AttentionOps.scores(q, 3, scale, offHeap(keys), hd * span, hd, len, fast);
        AttentionOps.scoresReference(q, 3, scale, offHeap(keys), hd * span, hd, len, slow);
        for (int p = 0; p <= len; p++) {
            assertTrue(Math.abs(fast[p] - slow[p]) < 1e-5, "position " + p + ": " + fast[p] + " vs " + slow[p]);
        }
    }

    @ParameterizedTest
    @CsvSource({"32, 1", "32, 67", "32, 200", "16, 5", "12, 64", "24, 131", "64, 3"})
    void weightedSumEqualsItsLoop(int hd, int len) {
        SplittableRandom r = new SplittableRandom(hd * 1000 + len);
        float[] w = GemmTest.random(len, r);
        float[] values = GemmTest.random(2 * hd * (len + 4), r);
        float[] fast = new float[hd + 5];
        float[] slow = new float[hd + 5];
        Arrays.fill(fast, 7f);
        Arrays.fill(slow, 7f);
        int vo = hd * (len + 4) + hd; // the second head's slot, from its second position
        AttentionOps.weightedSum(w, len, offHeap(values), vo, hd, fast, 2);
        AttentionOps.weightedSumReference(w, len, offHeap(values), vo, hd, slow, 2);
        for (int d = 0; d < fast.length; d++) {
            assertTrue(
                    Math.abs(fast[d] - slow[d]) < 1e-5 * Math.max(1, Math.sqrt(len)),
                    "lane " + d + ": " + fast[d] + " vs " + slow[d]);
        }
    }

    /** The floats in memory off the heap, as the KV cache holds them. */
    static MemorySegment offHeap(float[] floats) {
        return Arena.ofAuto().allocateFrom(ValueLayout.JAVA_FLOAT, floats);
    }
}
