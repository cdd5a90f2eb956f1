package ai.patchwork.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerationConfigTest {

    @Test
    void readsFixture() {
        GenerationConfig config = GenerationConfig.read(Fixtures.tinyLlamaModel());
        assertEquals(Set.of(509, 511), config.eosTokenIds());
        assertEquals(Optional.of(508), config.bosTokenId());
        assertFalse(config.doSample());
        assertEquals(Optional.empty(), config.temperature());
    }

    @Test
    void acceptsSingleEosIdAndSamplingFields(@TempDir Path dir) throws Exception {
        Files.writeString(
                dir.resolve("generation_config.json"),
                "{\"eos_token_id\": 2, \"pad_token_id\": 0, \"do_sample\": true, \"temperature\": 0.6,"
                        + " \"top_p\": 0.9, \"top_k\": 50, \"max_new_tokens\": 128}");
        GenerationConfig config = GenerationConfig.read(dir);
        assertEquals(Set.of(2), config.eosTokenIds());
        assertEquals(Optional.empty(), config.bosTokenId());
        assertEquals(Optional.of(0), config.padTokenId());
        assertTrue(config.doSample());
        assertEquals(Optional.of(0.6), config.temperature());
        assertEquals(Optional.of(0.9), config.topP());
        assertEquals(Optional.of(50), config.topK());
        assertEquals(Optional.of(128), config.maxNewTokens());
    }

    @Test
    void missingFileIsEmpty(@TempDir Path dir) {
        assertEquals(GenerationConfig.EMPTY, GenerationConfig.read(dir));
    }

    @Test
    void malformedFileNamesThePath(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("generation_config.json"), "{not json");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GenerationConfig.read(dir));
        assertTrue(e.getMessage().contains("generation_config.json"), e.getMessage());
    }

    @Test
    void rejectsInvalidValues() {
        Optional<Integer> none = Optional.empty();
        Optional<Double> noD = Optional.empty();
        assertThrows(
                IllegalArgumentException.class,
                () -> new GenerationConfig(Set.of(-1), none, none, false, noD, noD, none, none));
        assertThrows(
                IllegalArgumentException.class,
                () -> new GenerationConfig(Set.of(), none, none, false, noD, Optional.of(1.5), none, none));
        assertThrows(
                NullPointerException.class, () -> new GenerationConfig(null, none, none, false, noD, noD, none, none));
    }
}
