package ai.patchwork.bench.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The bench's medians, ratios and percentiles. */
class StatsTest {

    @Test
    void medianOfOddAndEvenCountsInAnyOrder() {
        assertEquals(0.9, Stats.median(List.of(1.1, 0.7, 0.9)));
        assertEquals(0.85, Stats.median(List.of(0.9, 0.7, 1.1, 0.8)), 1e-12);
        assertEquals(0.5, Stats.median(List.of(0.5)));
    }

    @Test
    void ratiosHaveThreeDecimals() {
        assertEquals(0.881, Stats.ratio(88.1 / 100)); // 0.8809999999999999 before rounding
        assertEquals(0.667, Stats.ratio(2.0 / 3));
    }

    @Test
    void percentilesAreNearestRankInMilliseconds() {
        List<Long> nanos = List.of(4_000_000L, 1_000_000L, 3_000_000L, 2_000_000L, -1L); // -1: no sample
        assertEquals(2.0, Stats.percentileMs(nanos, x -> x, 50));
        assertEquals(4.0, Stats.percentileMs(nanos, x -> x, 95));
        assertEquals(-1, Stats.percentileMs(List.<Long>of(), x -> x, 50));
    }
}
