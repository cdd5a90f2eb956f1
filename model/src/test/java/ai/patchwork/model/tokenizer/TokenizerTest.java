package ai.patchwork.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

class TokenizerTest {
    private static Tokenizer tokenizer;
    private static JsonNode expected;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(Fixtures.tinyLlamaModel());
        expected = Fixtures.expected().path("tokenizer");
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).intValue();
        }
        return out;
    }

    @Test
    void encodesEveryCaseExactly() {
        assertTrue(expected.path("encode").size() >= 4);
        for (JsonNode c : expected.path("encode")) {
            String text = c.path("text").stringValue();
            assertArrayEquals(ints(c.path("ids")), tokenizer.encode(text), text);
        }
    }

    @Test
    void decodeRoundTrips() {
        for (JsonNode c : expected.path("encode")) {
            assertEquals(c.path("text").stringValue(), tokenizer.decode(ints(c.path("ids")), false));
        }
    }

    @Test
    void literalSpecialTokensMapToTheirIds() {
        assertArrayEquals(new int[] {510}, tokenizer.encode("<|im_start|>"));
        assertArrayEquals(new int[] {511}, tokenizer.encode("<|im_end|>"));
        assertEquals(Optional.of(508), tokenizer.tokenId("<|begin_of_text|>"));
        assertEquals("<|im_start|>hi", tokenizer.decode(tokenizer.encode("<|im_start|>hi"), false));
        assertEquals("hi", tokenizer.decode(tokenizer.encode("<|im_start|>hi<|im_end|>"), true));
    }

    @Test
    void addsNoSpecialTokensAndDoesNotTruncate() {
        String longText = "The quick brown fox jumps over the lazy dog. ".repeat(40);
        int[] ids = tokenizer.encode(longText);
        assertTrue(ids.length > 256, "longer than model_max_length: " + ids.length);
        assertEquals(longText, tokenizer.decode(ids, false));
        assertEquals(0, tokenizer.encode("").length);
    }

    @Test
    void readsSpecialIdsAndSizes() {
        assertEquals(Set.of(509, 511), tokenizer.eosIds());
        assertEquals(Optional.of(508), tokenizer.bosId());
        assertEquals(512, tokenizer.vocabSize());
        assertEquals(Set.of(509, 511), tokenizer.generationConfig().eosTokenIds());
        assertTrue(tokenizer.hasChatTemplate());
    }

    @Test
    void streamingYieldsWholeTextWithoutReplacementChars() {
        for (JsonNode c : expected.path("encode")) {
            String text = c.path("text").stringValue();
            StreamingDecoder decoder = tokenizer.streamingDecoder(false);
            List<String> pieces = new ArrayList<>();
            for (int id : ints(c.path("ids"))) {
                pieces.add(decoder.accept(id));
            }
            pieces.add(decoder.flush());
            for (String piece : pieces) {
                assertFalse(piece.contains("\uFFFD"), "piece " + piece + " of " + text);
            }
            assertEquals(text, String.join("", pieces));
            assertArrayEquals(ints(c.path("ids")), decoder.ids());
        }
    }

    @Test
    void streamingHoldsBackSplitCharacter() {
        // "🚀" is four byte tokens: nothing may come out until the last one.
        StreamingDecoder decoder = tokenizer.streamingDecoder(false);
        assertEquals("", decoder.acceptAll(240, 159, 154));
        assertEquals("🚀", decoder.accept(128));
        assertEquals("", decoder.flush());
    }

    @Test
    void streamingSkipsSpecialTokensWhenAsked() {
        StreamingDecoder decoder = tokenizer.streamingDecoder(true);
        int[] ids = tokenizer.encode("<|im_start|>Say hi.<|im_end|>");
        String text = decoder.acceptAll(ids) + decoder.flush();
        assertEquals("Say hi.", text);
    }

    @Test
    void missingFolderGivesClearError(@TempDir Path tmp) {
        Path missing = tmp.resolve("no-such-model");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokenizer.load(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void fallsBackWithoutOptionalFiles(@TempDir Path tmp) throws Exception {
        Files.copy(Fixtures.tinyLlamaModel().resolve("tokenizer.json"), tmp.resolve("tokenizer.json"));
        try (Tokenizer bare = Tokenizer.load(tmp)) {
            assertFalse(bare.hasChatTemplate());
            assertEquals(ChatTemplate.CHATML_SOURCE, bare.chatTemplate().source());
            assertEquals(GenerationConfig.EMPTY, bare.generationConfig());
            assertEquals(Set.of(), bare.eosIds());
            assertEquals(Optional.empty(), bare.bosId());
            List<ChatMessage> chat = List.of(ChatMessage.system("You are terse."), ChatMessage.user("Say hi."));
            String text = bare.chatTemplate().render(chat, true);
            assertArrayEquals(ints(expected.path("chat").path("ids")), bare.encode(text));
        }
    }
}
