package ai.patchwork.model.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.config.ModelFormatException;
import ai.patchwork.model.nn.Projection;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** {@code target_modules} as an untrusted regex: bounded in length and time, invalid ones refused cleanly. */
class BoundedRegexTest {

    static PeftConfig config(String targetModules) {
        String json =
                "{\"peft_type\": \"LORA\", \"r\": 8, \"lora_alpha\": 16, \"target_modules\": " + targetModules + "}";
        return PeftConfig.parse(json);
    }

    @Test
    void aPlainRegexSelectsTheProjectionsItMatches() {
        assertEquals(
                EnumSet.of(Projection.Q, Projection.V),
                config("\".*\\\\.(q_proj|v_proj)\"").targets());
    }

    @Test
    void aCatastrophicPatternEndsWithinItsTimeBudget() {
        long start = System.nanoTime();
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> config("\"((.*)*)*Z\""));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(e.getMessage().contains("took more than 100 ms to match"), e.getMessage());
        assertTrue(ms < 2000, "took " + ms + " ms");
    }

    @Test
    void anInvalidOrOverlongPatternIsAFormatError() {
        ModelFormatException invalid = assertThrows(ModelFormatException.class, () -> config("\"(q_proj\""));
        assertTrue(invalid.getMessage().contains("is not a valid regular expression"), invalid.getMessage());
        ModelFormatException longer =
                assertThrows(ModelFormatException.class, () -> config("\"" + "a".repeat(513) + "\""));
        assertTrue(longer.getMessage().contains("at most 512"), longer.getMessage());
    }
}
