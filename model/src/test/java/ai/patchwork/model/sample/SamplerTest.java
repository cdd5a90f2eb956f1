package ai.patchwork.model.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static SamplingParams params(double temperature, double minP, Penalties penalties) {
        return new SamplingParams(temperature, 1, 0, minP, 7, 16, Set.of(), List.of(), penalties);
    }

    @Test
    void aNegativeBiasBansTheArgmaxAndAPositiveOneForcesAToken() {
        float[] logits = {1f, 5f, 2f, 0f};
        assertEquals(1, new Sampler(params(0, 0, Penalties.NONE)).next(logits));
        assertEquals(2, new Sampler(params(0, 0, new Penalties(0, 0, 1, Map.of(1, -100.0)))).next(logits));
        Sampler forced = new Sampler(params(1, 0, new Penalties(0, 0, 1, Map.of(3, 100.0))));
        for (int i = 0; i < 50; i++) assertEquals(3, forced.next(logits));
        assertArrayEquals(new float[] {1f, 5f, 2f, 0f}, logits, "the caller's logits are left alone");
    }

    @Test
    void theRepetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfPromptAndOutputTokens() {
        Sampler s = new Sampler(params(0, 0, new Penalties(0, 0, 2, Map.of())), new int[] {0, 1});
        float[] logits = {4f, -1f, 3f, 1f};
        assertArrayEquals(new float[] {2f, -2f, 3f, 1f}, s.adjusted(logits));
        assertEquals(2, s.next(logits)); // 3 now beats the prompt token's halved 4
        assertArrayEquals(new float[] {2f, -2f, 1.5f, 1f}, s.adjusted(logits));
    }

    @Test
    void presenceAndFrequencyPenaltiesSubtractPerOutputTokenCount() {
        Sampler s = new Sampler(params(0, 0, new Penalties(0.5, 1.0, 1, Map.of())), new int[] {3});
        float[] logits = {10f, 9f, 0f, 8f};
        assertEquals(0, s.next(logits)); // 10 - 0
        assertEquals(1, s.next(logits)); // 10 - 1.5 = 8.5 now loses to 9
    }

    @Test
    void frequencyGrowsWithTheCountWhilePresenceIsPaidOnce() {
        Sampler s = new Sampler(params(0, 0, new Penalties(0.5, 1.0, 1, Map.of())));
        float[] logits = {10f, 8f, 0f};
        assertEquals(0, s.next(logits));
        assertArrayEquals(new float[] {8.5f, 8f, 0f}, s.adjusted(logits));
        assertEquals(0, s.next(logits));
        assertArrayEquals(new float[] {7.5f, 8f, 0f}, s.adjusted(logits));
        assertEquals(1, s.next(logits));
    }

    @Test
    void minPDropsTokensLessLikelyThanItsShareOfTheTop() {
        // probabilities proportional to 1, 0.5, 0.04: min_p 0.1 keeps the first two only
        float[] logits = {0f, (float) Math.log(0.5), (float) Math.log(0.04)};
        Sampler s = new Sampler(params(1, 0.1, Penalties.NONE));
        boolean sawSecond = false;
        for (int i = 0; i < 2000; i++) {
            int id = s.next(logits);
            assertNotEquals(2, id);
            sawSecond |= id == 1;
        }
        assertTrue(sawSecond);
        Sampler open = new Sampler(params(1, 0, Penalties.NONE));
        boolean sawThird = false;
        for (int i = 0; i < 2000 && !sawThird; i++) sawThird = open.next(logits) == 2;
        assertTrue(sawThird, "without min_p the unlikely token is drawn now and then");
    }

    @Test
    void zeroPenaltiesSampleExactlyAsNone() {
        float[] logits = {0.3f, 0.1f, -0.2f, 0.5f, 0f};
        Sampler plain = new Sampler(new SamplingParams(0.9, 0.95, 0, 7, 16, Set.of(), List.of()));
        Penalties zero = new Penalties(0, 0, 1, Map.of());
        SamplingParams p = new SamplingParams(0.9, 0.95, 0, 0, 7, 16, Set.of(), List.of(), zero);
        Sampler same = new Sampler(p);
        for (int i = 0; i < 100; i++) {
            int a = plain.next(logits);
            assertEquals(a, same.next(logits));
        }
    }

    @Test
    void outOfRangeValuesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Penalties(3, 0, 1, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> new Penalties(0, -3, 1, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> new Penalties(0, 0, 0, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> new Penalties(0, 0, 1, Map.of(1, 101.0)));
        assertThrows(IllegalArgumentException.class, () -> params(1, 1.5, Penalties.NONE));
    }
}
