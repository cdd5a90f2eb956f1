package ai.patchwork.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopMatcherTest {

    @Test
    void holdsBackWhatCouldBecomeAStopString() {
        StopMatcher m = new StopMatcher(List.of("END"));
        assertEquals("ab", m.accept("abE"));
        assertEquals("", m.accept("N"));
        assertEquals("ENx", m.accept("x"), "a false start is released");
        assertFalse(m.matched());
        assertEquals("y", m.accept("yEN"));
        assertEquals("EN", m.flush());
    }

    @Test
    void cutsBeforeTheEarliestStopStringAcrossPieces() {
        StopMatcher m = new StopMatcher(List.of("\n\n", "STOP"));
        assertEquals("hello ", m.accept("hello S"));
        assertEquals("", m.accept("TO"));
        assertEquals("", m.accept("P and more\n\n"));
        assertTrue(m.matched());
        assertEquals("", m.accept("after"));
    }

    @Test
    void withoutStopStringsEverythingPassesThrough() {
        StopMatcher m = new StopMatcher(List.of());
        assertEquals("abc", m.accept("abc"));
        assertEquals("", m.flush());
    }
}
