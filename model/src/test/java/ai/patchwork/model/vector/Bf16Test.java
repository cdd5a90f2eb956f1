package ai.patchwork.model.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The SIMD rounding of float32 to bfloat16 against the one-value rounding, and that rounding on known values. */
class Bf16Test {

    @Test
    void roundsToNearestWithTiesToEven() {
        assertEquals((short) 0x3f80, Bf16.round(1f));
        assertEquals((short) 0x3f80, Bf16.round(Float.intBitsToFloat(0x3f808000))); // tie, even below: down
        assertEquals((short) 0x3f82, Bf16.round(Float.intBitsToFloat(0x3f818000))); // tie, odd below: up
        assertEquals((short) 0x3f81, Bf16.round(Float.intBitsToFloat(0x3f808001))); // past the tie: up
        assertEquals((short) 0x7f80, Bf16.round(Float.POSITIVE_INFINITY));
        assertEquals((short) 0x7f80, Bf16.round(Float.MAX_VALUE)); // rounds up to infinity, as IEEE does
        assertEquals((short) 0x7fc0, Bf16.round(Float.NaN));
    }

    /** Every lane and the scalar tail, over values of every kind: ties, NaNs, infinities, subnormals, zeros. */
    @Test
    void theSimdRoundingGivesTheOneValueRoundingForEveryValue() {
        SplittableRandom r = new SplittableRandom(7);
        float[] special = {
            0f,
            -0f,
            Float.NaN,
            Float.intBitsToFloat(0x7f800001),
            Float.intBitsToFloat(0xffc12345),
            Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY,
            Float.MAX_VALUE,
            -Float.MAX_VALUE,
            Float.MIN_VALUE,
            Float.intBitsToFloat(0x3f808000),
            Float.intBitsToFloat(0x3f818000),
            Float.intBitsToFloat(0xbf818000)
        };
        for (int len : new int[] {0, 1, 15, 16, 17, 1000, 2051}) {
            float[] x = new float[len];
            for (int i = 0; i < len; i++) {
                x[i] = switch (i % 3) {
                    case 0 -> special[r.nextInt(special.length)];
                    case 1 -> Float.intBitsToFloat(r.nextInt());
                    default -> (float) r.nextGaussian();
                };
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment got = arena.allocate(2L * len + 2, 64);
                got.set(Bf16.SHORT_LE, 2L * len, (short) 0x1234); // just past the end: must stay
                Bf16.round(x, len, got);
                for (int i = 0; i < len; i++) {
                    short want = Bf16.round(x[i]);
                    assertEquals(want, got.get(Bf16.SHORT_LE, 2L * i), "value " + i + " of " + len + ": " + x[i]);
                }
                assertEquals((short) 0x1234, got.get(Bf16.SHORT_LE, 2L * len));
            }
        }
    }
}
