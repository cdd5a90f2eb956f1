package ai.patchwork.model.lora;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.config.ModelFormatException;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing (Jazzer) of an uploaded {@code adapter_config.json}, a {@code target_modules} regex
 * included: any text is either a valid LoRA config (positive rank and alpha, a finite scaling, at least one target)
 * or refused with {@link ModelFormatException}, and parsing it takes well under a second even for a pattern that
 * backtracks exponentially ({@link BoundedRegex} gives every match {@value BoundedRegex#MATCH_MILLIS} ms).
 */
class PeftConfigFuzzTest {

    /** Generous for a loaded build machine: a config matches at most 14 module names, each within 100 ms. */
    static final long MAX_MILLIS = 5_000;

    @FuzzTest(maxDuration = "10s")
    @DictionaryEntries({
        "\"r\"",
        "\"lora_alpha\"",
        "\"target_modules\"",
        "\"peft_type\"",
        "\"LORA\"",
        "\"use_rslora\"",
        "\"use_dora\"",
        "\"modules_to_save\"",
        "\"bias\"",
        "\"fan_in_fan_out\"",
        "\"rank_pattern\"",
        "\"layers_to_transform\"",
        "\"all-linear\"",
        "\"q_proj\"",
        "\"down_proj\"",
        ".*",
        "(a|a)*",
        "\\\\",
        "2147483648",
        "1e999",
        "NaN"
    })
    void parsesOrRefuses(byte[] data) {
        String json = new String(data, StandardCharsets.UTF_8);
        long start = System.nanoTime();
        try {
            PeftConfig c = PeftConfig.parse(json);
            assertTrue(c.rank() > 0 && c.alpha() > 0, c.toString());
            assertFalse(c.targets().isEmpty(), c.toString());
            assertTrue(Double.isFinite(c.scaling()), c.toString());
        } catch (ModelFormatException expected) {
            // refused, naming the field
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < MAX_MILLIS, "parsing took " + ms + " ms: " + json);
    }
}
