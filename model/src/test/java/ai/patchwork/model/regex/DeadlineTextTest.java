package ai.patchwork.model.regex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The text a bounded match reads: the same characters until the deadline, then the caller's exception. */
class DeadlineTextTest {

    private static final IllegalStateException LATE = new IllegalStateException("late");

    @Test
    void beforeTheDeadlineItReadsLikeTheText() {
        DeadlineText t = new DeadlineText("hello world", System.nanoTime() + TimeUnit.MINUTES.toNanos(1), () -> LATE);
        assertEquals(11, t.length());
        assertEquals('w', t.charAt(6));
        assertEquals("world", t.subSequence(6, 11).toString());
        assertTrue(Pattern.compile("o w").matcher(t).find());
        assertFalse(Pattern.compile("xyz").matcher(t).find());
    }

    @Test
    void pastTheDeadlineAReadThrowsTheCallersException() {
        DeadlineText t = new DeadlineText("a".repeat(10), System.nanoTime() - 1, () -> LATE);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
            for (int i = 0; i < DeadlineText.CHECK_EVERY; i++) t.charAt(i % 10);
        });
        assertSame(LATE, e);
    }

    @Test
    void aCatastrophicMatchEndsSoonAfterTheDeadline() {
        long start = System.nanoTime();
        DeadlineText t = new DeadlineText(
                "model.layers.0.self_attn.q_proj", start + TimeUnit.MILLISECONDS.toNanos(50), () -> LATE);
        assertThrows(
                IllegalStateException.class,
                () -> Pattern.compile("((.*)*)*Z").matcher(t).matches());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
    }
}
